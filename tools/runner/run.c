// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun's run loop: KVM_RUN until the guest stops, with the board's
 * interrupts injected when the guest can take them (else an interrupt
 * window requested), a POSIX timer that kicks the vCPU out at the board's
 * next timer event, HLT with IF=1 waited out on the host, --timeout and
 * --max-exits, the diagnosis of fatal exits, and the runner's counters
 * (core.h's svxr_counts; --stats prints them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "core.h"
#include "runner.h"

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile alarm_run;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
	alarm(1);	/* in case the signal raced with entering KVM_RUN */
}

/*
 * Timer kick: a POSIX timer on CLOCK_MONOTONIC fires SIGUSR1 at the board's
 * next timer event, so a guest that runs without exiting still gets its
 * PIT interrupts.  The handler only sets immediate_exit; the loop clears it
 * before looking at the devices, so a kick that arrives after the look
 * makes the next KVM_RUN return at once (EINTR) instead of being lost.
 */
static timer_t kick_timer;
static bool kick_timer_ok;
static uint64_t kick_armed_at;

static void on_kick(int sig)
{
	(void)sig;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static void setup_kick(struct svxr_vm *vm)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_kick };

	alarm_run = vm->vcpu.run;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    timer_create(CLOCK_MONOTONIC, &sev, &kick_timer) < 0) {
		svxr_msg("cannot create the timer kick (%s): timer interrupts only at exits",
			strerror(errno));
		return;
	}
	kick_timer_ok = true;
}

static void arm_kick(uint64_t when)
{
	struct itimerspec its = { };

	if (!kick_timer_ok || when == kick_armed_at)
		return;
	kick_armed_at = when;
	its.it_value.tv_sec = when / NSEC_PER_SEC;
	its.it_value.tv_nsec = when % NSEC_PER_SEC;
	timer_settime(kick_timer, TIMER_ABSTIME, &its, NULL);
}

static uint64_t t_start;

static void print_runner_stats(uint64_t nr_exits)
{
	double secs = (svxr_now_ns() - t_start) / 1e9;

	fprintf(stderr, "svxrun: exits to userspace: %" PRIu64 " in %.3f s\n",
		nr_exits, secs);
	for (unsigned int i = 0; i < SVXR_NR_KVM_EXITS; i++)
		if (svxr_counts.exits[i])
			fprintf(stderr, "  KVM_EXIT_%-20s %" PRIu64 "\n",
				svxu_kvm_exit_name(i), svxr_counts.exits[i]);
	fprintf(stderr, "  interrupts injected      %" PRIu64 "\n"
			"  halts waited (IF=1)      %" PRIu64 "\n",
		svxr_counts.injected, svxr_counts.halt_waits);
	svxr_board_print_stats();
}

/* HLT with IF=1: sleep until an interrupt is pending.  False if no event
 * can ever come (no timer armed, no input). */
static bool wait_for_interrupt(void)
{
	for (;;) {
		uint64_t now = svxr_now_ns(), next;
		struct pollfd pfd;
		struct timespec ts;
		int fd;

		svxr_board_poll(now);
		if (svxr_board_irq_pending() || timed_out)
			return true;
		next = svxr_board_next_event();
		fd = svxr_board_input_fd();
		if (!next && fd < 0)
			return false;
		if (next && next <= now)
			continue;
		if (next) {
			ts.tv_sec = (next - now) / NSEC_PER_SEC;
			ts.tv_nsec = (next - now) % NSEC_PER_SEC;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		svxr_out_flush();
		ppoll(&pfd, fd >= 0, next ? &ts : NULL, NULL);
	}
}

static int run_loop(struct svxr_vm *vm, const struct svxr_run_opts *o)
{
	struct kvm_run *run = vm->vcpu.run;
	uint64_t nr_exits = 0;
	int status = 0;

	for (;;) {
		run->immediate_exit = 0;
		if (timed_out) {
			svxr_msg("timeout after %u s (--timeout), %" PRIu64 " exits",
				o->timeout, nr_exits);
			svxr_dump_state(vm);
			if (o->stats)
				print_runner_stats(nr_exits);
			return SVXR_EXIT_TIMEOUT;
		}

		/* devices to now; deliver the PIC's interrupt if the guest
		 * can take it, else ask KVM to exit when it can */
		svxr_board_poll(svxr_now_ns());
		run->request_interrupt_window = 0;
		if (svxr_board_irq_pending()) {
			if (run->ready_for_interrupt_injection && run->if_flag) {
				struct kvm_interrupt irq = { .irq = svxr_board_irq_ack() };

				if (o->trace)
					svxr_trace("inject: vector 0x%x", irq.irq);
				if (ioctl(vm->vcpu.fd, KVM_INTERRUPT, &irq) < 0) {
					svxr_msg("KVM_INTERRUPT (vector 0x%x): %s",
						irq.irq, strerror(errno));
					svxr_dump_state(vm);
					return SVXR_EXIT_UNHANDLED;
				}
				svxr_counts.injected++;
			}
			run->request_interrupt_window = svxr_board_irq_pending();
		}
		arm_kick(svxr_board_next_event());

		if (ioctl(vm->vcpu.fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				svxr_counts.exits[KVM_EXIT_INTR]++;
				continue;
			}
			svxr_msg("KVM_RUN: %s", strerror(errno));
			svxr_dump_state(vm);
			return SVXR_EXIT_UNHANDLED;
		}
		nr_exits++;
		svxr_counts.exits[run->exit_reason % SVXR_NR_KVM_EXITS]++;
		svxr_ktrace_drain();
		if (o->walk && o->walk_at == nr_exits)
			svxr_walk_print(vm, o->walk, o->json);

		if (o->trace && run->exit_reason != KVM_EXIT_IO &&
		    run->exit_reason != KVM_EXIT_MMIO)
			svxr_trace("exit: %s (%u)", svxu_kvm_exit_name(run->exit_reason),
				run->exit_reason);

		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (svxr_handle_io(vm, &status) == SVXR_IO_EXIT)
				goto out;
			break;
		case KVM_EXIT_MMIO:
			svxr_handle_mmio(vm);
			break;
		case KVM_EXIT_INTR:
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		case KVM_EXIT_HLT: {
			struct kvm_regs regs;
			bool ifl = run->if_flag;

			if (!ioctl(vm->vcpu.fd, KVM_GET_REGS, &regs))
				ifl = regs.rflags & (1u << 9);
			if (ifl) {
				svxr_counts.halt_waits++;
				if (wait_for_interrupt())
					break;
				svxr_msg("guest halted with interrupts enabled and no timer or input left to wake it");
				status = SVXR_EXIT_HALT;
				goto out;
			}
			svxr_msg("guest halted");
			status = SVXR_EXIT_HALT;
			goto out;
		}
		case KVM_EXIT_SHUTDOWN:
			svxr_msg("guest shutdown (triple fault?) after %" PRIu64 " exits",
				nr_exits);
			svxr_dump_state(vm);
			status = SVXR_EXIT_SHUTDOWN;
			goto out;
		case KVM_EXIT_FAIL_ENTRY: {
			uint64_t why = run->fail_entry.hardware_entry_failure_reason;

			svxr_msg("VM entry failed: hardware_entry_failure_reason 0x%llx (basic reason %u %s) on cpu %u",
				(unsigned long long)why, (unsigned int)(why & 0xffff),
				svxu_vmx_exit_name(why & 0xffff),
				run->fail_entry.cpu);
			svxr_dump_state(vm);
			status = SVXR_EXIT_FAIL_ENTRY;
			goto out;
		}
		case KVM_EXIT_INTERNAL_ERROR:
			svxr_msg("internal error: suberror %u %s, %u data words",
				run->internal.suberror,
				svxu_internal_suberror_name(run->internal.suberror),
				run->internal.ndata);
			for (uint32_t i = 0; i < run->internal.ndata &&
			     i < sizeof(run->internal.data) / sizeof(run->internal.data[0]); i++)
				fprintf(stderr, "  data[%u] 0x%llx\n", i,
					(unsigned long long)run->internal.data[i]);
			svxr_dump_state(vm);
			status = SVXR_EXIT_INTERNAL;
			goto out;
		case KVM_EXIT_UNKNOWN: {
			uint64_t hw = run->hw.hardware_exit_reason;

			svxr_msg("unknown exit: hardware_exit_reason 0x%llx (%s)",
				(unsigned long long)hw,
				svxu_vmx_exit_name(hw & 0xffff));
			svxr_dump_state(vm);
			status = SVXR_EXIT_UNHANDLED;
			goto out;
		}
		default:
			svxr_msg("unhandled exit reason %u (KVM_EXIT_%s)",
				run->exit_reason, svxu_kvm_exit_name(run->exit_reason));
			svxr_dump_state(vm);
			status = SVXR_EXIT_UNHANDLED;
			goto out;
		}

		if (o->max_exits && nr_exits >= o->max_exits) {
			svxr_msg("stopped after %" PRIu64 " exits (--max-exits)",
				nr_exits);
			svxr_dump_state(vm);
			status = SVXR_EXIT_MAX_EXITS;
			goto out;
		}
	}
out:
	if (o->stats) {
		svxr_out_flush();
		print_runner_stats(nr_exits);
	}
	return status;
}

int svxr_run(struct svxr_vm *vm, const struct svxr_run_opts *o)
{
	int status;

	t_start = o->t_start;
	alarm_run = vm->vcpu.run;
	if (o->timeout) {
		struct sigaction sa = { .sa_handler = on_alarm };

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) < 0)
			svxr_die("sigaction: %s", strerror(errno));
		alarm(o->timeout);
	}
	setup_kick(vm);

	if (o->ktrace)
		svxr_ktrace_start();
	status = run_loop(vm, o);
	alarm(0);
	svxr_out_flush();
	svxr_ktrace_stop();
	return status;
}
