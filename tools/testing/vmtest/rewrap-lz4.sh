#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rewrap-lz4.sh: turn a distribution x86-64 bzImage (XZ/gzip/zstd/lz4 payload)
# into a bzImage carrying the *identical* kernel payload compressed with LZ4.
#
# Why: under Bochs, XZ-decompressing Debian's kernel costs ~4.5e9 emulated
# instructions (~200 s); LZ4 brings the first kernel message to a few seconds.
#
# How (no vmlinux is rebuilt, the payload bytes are reused verbatim):
#  1. read payload_offset/payload_length from the setup header, strip the 4-byte
#     size_append trailer, decompress -> vmlinux.bin.all = stripped vmlinux ELF
#     + vmlinux.relocs (appended by CONFIG_X86_NEED_RELOCS);
#  2. split it at the ELF's end (e_shoff + e_shnum * e_shentsize);
#  3. derive VO__text/__start_rodata/__bss_start/_end from the ELF's sections
#     (.text, .rodata, .bss starts; page-aligned end of the last kernel section);
#  4. configure the matching kernel source with the distribution config plus
#     CONFIG_KERNEL_LZ4=y, `make prepare`, generate the few inputs the
#     decompressor needs (capflags, inat tables, EFI stub lib);
#  5. run `make -o vmlinux bzImage` with a placeholder top-level `vmlinux` and
#     wrappers for objcopy/nm/relocs that hand kbuild the original ELF, the
#     derived symbols and the original relocs instead of deriving them;
#  6. verify: the new payload decompresses to exactly the old bytes, the setup
#     header's kernel_version string is unchanged.
#
# usage: rewrap-lz4.sh --image VMLINUZ --config CONFIG --source TARBALL|DIR
#                      --release REL --out BZIMAGE --workdir DIR [--jobs N]
set -euo pipefail

die() { echo "rewrap-lz4: error: $*" >&2; exit 1; }
log() { echo "rewrap-lz4: $*" >&2; }

image= config= source= release= out= workdir= jobs=$(nproc)
while [ $# -gt 0 ]; do
	case $1 in
	--image) image=$2; shift 2;;
	--config) config=$2; shift 2;;
	--source) source=$2; shift 2;;
	--release) release=$2; shift 2;;
	--out) out=$2; shift 2;;
	--workdir) workdir=$2; shift 2;;
	--jobs) jobs=$2; shift 2;;
	*) die "unknown argument $1";;
	esac
done
for v in image config source release out workdir; do
	[ -n "${!v}" ] || die "--$v is required"
done
image=$(readlink -f "$image"); config=$(readlink -f "$config")
source=$(readlink -f "$source")
mkdir -p "$workdir"; workdir=$(readlink -f "$workdir")

u8()  { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u64() { od -An -tu8 -j "$2" -N8 "$1" | tr -d ' '; }

# kernel_version string pointed to by the setup header (offset 0x20e, +0x200)
kver_string() {
	local off; off=$(u16 "$1" $((0x20e)))
	dd if="$1" bs=1 skip=$((off + 0x200)) count=256 status=none | tr '\0' '\n' | head -n1
}

# extract_payload BZIMAGE OUT: write the decompressed payload (size-checked)
extract_payload() {
	local b=$1 o=$2 ss po pl start magic isz
	[ "$(dd if="$b" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] || die "$b: no bzImage setup header"
	ss=$(u8 "$b" $((0x1f1))); [ "$ss" = 0 ] && ss=4
	po=$(u32 "$b" $((0x248))); pl=$(u32 "$b" $((0x24c)))
	start=$(( (ss + 1) * 512 + po ))
	dd if="$b" of="$o.z" bs=1M iflag=skip_bytes,count_bytes skip=$start count=$pl status=none
	magic=$(od -An -tx1 -N4 "$o.z" | tr -d ' ')
	isz=$(u32 "$o.z" $((pl - 4)))
	truncate -s $((pl - 4)) "$o.z"
	case $magic in
	fd377a58) xz -dc -Q "$o.z" > "$o" ;;
	1f8b*)    gzip -dc "$o.z" > "$o" ;;
	28b52ffd) zstd -dcq "$o.z" > "$o" ;;
	02214c18) lz4 -dcq "$o.z" > "$o" ;;
	*) die "$b: unknown payload compression (magic $magic)";;
	esac
	rm -f "$o.z"
	[ "$(stat -c %s "$o")" = "$isz" ] || die "$b: payload size $(stat -c %s "$o") != size trailer $isz"
	log "$b: payload $magic, $pl bytes -> $isz bytes"
}

wd=$workdir
log "extracting payload of $image"
extract_payload "$image" "$wd/payload.bin"
orig_kver=$(kver_string "$image")
log "kernel_version: $orig_kver"
case $orig_kver in "$release "*) ;; *) die "image version '$orig_kver' is not release $release";; esac

# --- split ELF + relocs ----------------------------------------------------
p=$wd/payload.bin
[ "$(od -An -tx1 -N5 "$p" | tr -d ' ')" = 7f454c4602 ] || die "payload is not an ELF64"
shoff=$(u64 "$p" $((0x28))); shentsize=$(u16 "$p" $((0x3a))); shnum=$(u16 "$p" $((0x3c)))
elfsize=$(( shoff + shentsize * shnum )); total=$(stat -c %s "$p")
[ $elfsize -le $total ] && [ $(( (total - elfsize) % 4 )) = 0 ] ||
	die "cannot split payload (ELF end $elfsize, total $total)"
head -c $elfsize "$p" > "$wd/vmlinux.elf"
tail -c +$((elfsize + 1)) "$p" > "$wd/vmlinux.relocs"
log "ELF $elfsize bytes + relocs $((total - elfsize)) bytes"

# --- VO_ symbols from the section table -------------------------------------
readelf -SW "$wd/vmlinux.elf" | sed -n 's/^ *\[ *[0-9]*\] *//p' > "$wd/sections.txt"
secaddr() { awk -v n="$1" '$1 == n { print $3 }' "$wd/sections.txt"; }
text=$(secaddr .text); rodata=$(secaddr .rodata); bss=$(secaddr .bss)
[ -n "$text" ] && [ -n "$rodata" ] && [ -n "$bss" ] || die "missing .text/.rodata/.bss section"
# vmlinux.lds.S: "_end = ALIGN(PAGE_SIZE)" right after .brk (.init.scratch,
# if present, lies beyond _end on purpose)
secend() { awk -v n="$1" '$1 == n { print $3, $5 }' "$wd/sections.txt"; }
read -r a s < <(secend .brk) || read -r a s < <(secend .bss) || die "no .brk/.bss section"
end=$(( 0x$a + 0x$s ))
end=$(( (end + 4095) & ~4095 ))
printf '%s A _text\n%s A __start_rodata\n%s A __bss_start\n%016x A _end\n' \
	"$text" "$rodata" "$bss" "$end" > "$wd/vo-syms.txt"
log "VO: $(tr '\n' ' ' < "$wd/vo-syms.txt")"

# --- wrappers handing kbuild the original pieces ----------------------------
mkdir -p "$wd/wrap"
cat > "$wd/wrap/objcopy" <<'W'
#!/bin/sh
# "objcopy FLAGS vmlinux OUT" -> the original stripped ELF, verbatim
n=$#; eval "in=\${$((n-1))}"; eval "out=\${$n}"
if [ "$n" -ge 2 ] && [ "$in" = vmlinux ]; then exec cp "$SVX_ELF" "$out"; fi
exec objcopy "$@"
W
cat > "$wd/wrap/nm" <<'W'
#!/bin/sh
eval "last=\${$#}"
if [ "$last" = vmlinux ]; then exec cat "$SVX_SYMS"; fi
exec nm "$@"
W
cat > "$wd/wrap/relocs" <<'W'
#!/bin/sh
[ "$1" = --abs-relocs ] && exit 0
exec cat "$SVX_RELOCS"
W
chmod +x "$wd/wrap/"*
export SVX_ELF=$wd/vmlinux.elf SVX_SYMS=$wd/vo-syms.txt SVX_RELOCS=$wd/vmlinux.relocs

# --- kernel tree ------------------------------------------------------------
ksrc=$wd/src
rm -rf "$ksrc"; mkdir -p "$ksrc"
if [ -d "$source" ]; then
	cp -a "$source/." "$ksrc/"
else
	log "unpacking $source"
	tar -xf "$source" -C "$ksrc" --strip-components=1
fi
cd "$ksrc"
# identity for the setup header's version string: "REL (USER@HOST) UTS_VERSION"
rest=${orig_kver#"$release ("}
userhost=${rest%%") "*}; utsver=${rest#*") "}
export KBUILD_BUILD_USER=${userhost%@*} KBUILD_BUILD_HOST=${userhost#*@}
bver=${utsver#\#}; export KBUILD_BUILD_VERSION=${bver%% *}
kmake() { make -s KERNELRELEASE="$release" "$@"; }

cp "$config" .config
for c in KERNEL_GZIP KERNEL_BZIP2 KERNEL_LZMA KERNEL_XZ KERNEL_LZO KERNEL_ZSTD; do
	scripts/config --disable $c
done
scripts/config --enable KERNEL_LZ4
kmake olddefconfig
grep -q '^CONFIG_KERNEL_LZ4=y' .config || die "CONFIG_KERNEL_LZ4 did not stick"
log "make prepare"
kmake -j"$jobs" prepare
printf '#define UTS_VERSION "%s"\n' "$utsver" > include/generated/utsversion.h
# inputs of arch/x86/boot that are normally made while building vmlinux
awk -f arch/x86/tools/gen-insn-attr-x86.awk arch/x86/lib/x86-opcode-map.txt > arch/x86/lib/inat-tables.c
kmake arch/x86/kernel/cpu/capflags.o
if grep -q '^CONFIG_EFI_STUB=y' .config; then
	kmake -j"$jobs" drivers/firmware/efi/libstub/
fi
ln -sf "$wd/vmlinux.elf" vmlinux
log "make bzImage (payload reused)"
kmake -o vmlinux OBJCOPY="$wd/wrap/objcopy" NM="$wd/wrap/nm" CMD_RELOCS="$wd/wrap/relocs" bzImage

# --- verify -----------------------------------------------------------------
new=$ksrc/arch/x86/boot/bzImage
extract_payload "$new" "$wd/check.bin"
cmp -s "$wd/check.bin" "$wd/payload.bin" || die "LZ4 payload does not decompress to the original payload"
new_kver=$(kver_string "$new")
[ "$new_kver" = "$orig_kver" ] || die "kernel_version differs: '$new_kver' vs '$orig_kver'"
grep -aq "Linux version $release " "$wd/check.bin" || die "banner 'Linux version $release' not in payload"
cp "$new" "$out.tmp" && mv "$out.tmp" "$out"
log "OK: $out ($(stat -c %s "$out") bytes), payload identical, version '$new_kver'"
