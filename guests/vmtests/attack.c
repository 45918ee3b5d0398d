/*
 * attack: a guest that tries to get out of its VM. Run under the monitor only (bare, the
 * forged mappings would simply reach the machine's memory). Every attack in the first part must
 * be refused without stopping the VM: the guest sees what a bare machine with only its own
 * memory would show it (bus errors, address errors, CpU) or an error result from a monitor call.
 * The kernel command line then picks how the VM ends (test/vmm-guests.test.ts):
 *
 *   (none)     exit 0 after the checks
 *   loop       spin forever with interrupts off (the monitor's instruction limit stops it)
 *   deadlock   wait with interrupts disabled
 *   vector     move EBase outside the VM's memory, then take an exception
 *   bev        set Status.BEV (the boot ROM vectors, which a VM has not), then take an exception
 *   kseg3      jump to kseg3
 *   hcalls     200,000 monitor calls with random numbers and arguments, then exit 0
 *   touch      touch every page of its memory (for out-of-memory tests), then exit 0
 */
#include "vt.h"

#define EFAULT		(-14)
#define EINVAL		(-22)
#define ENOSYS		(-38)

static u32 seed = 12345;
static u32 rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed ^ (seed >> 15);
}

/* Forged TLB entries: guest physical addresses outside its memory are not memory. */
static void forged_mappings(void)
{
	printf("# forged TLB entries\n");
	mtc0(6, 0, 8);
	mtc0(10, 0, 1);
	u32 targets[] = { vt_memsize, vt_memsize + 0x1000, 0x03fff000, 0x0f000000, 0x20000000, 0x3ffff000 };
	for (u32 k = 0; k < sizeof targets / sizeof targets[0]; k++) {
		tlb_write(10, 0x00400000 | 1, PFN(targets[k]) | LO_C | LO_D | LO_V, PFN(targets[k] + 0x1000) | LO_C | LO_D | LO_V, 0);
		vt_action = ACT_SKIP;
		u32 n = vt_last.count;
		volatile u32 v = *(volatile u32 *)0x00400000;
		(void)v;
		check(vt_last.count - n == 1 && LAST_CODE() == EXC_DBE, "load through a forged entry: bus error");
		vt_action = ACT_SKIP;
		n = vt_last.count;
		*(volatile u32 *)0x00401000 = 0x41414141;
		check(vt_last.count - n == 1 && LAST_CODE() == EXC_DBE, "store through a forged entry: bus error");
	}
	/* a large page covering far more than the VM's memory: only the VM's own pages answer */
	tlb_write(11, 0x02000000 | 1, PFN(0) | LO_C | LO_D | LO_V, PFN(0x01000000) | LO_C | LO_D | LO_V, PM_16M);
	volatile u32 *own = (volatile u32 *)(0x02000000 + 0x300000);
	*own = 0x5a5a5a5a;
	checkx(*(volatile u32 *)P2W(0x300000), 0x5a5a5a5a, "a 16 MiB guest page maps the VM's own memory");
	vt_action = ACT_SKIP;
	u32 n = vt_last.count;
	*(volatile u32 *)(0x03000100) = 1;	/* the odd 16 MiB half: guest physical 16 MiB + 0x100 */
	check(vt_last.count - n == 1 && LAST_CODE() == EXC_DBE, "... and a bus error beyond it");
	/* entries over the window and the privileged page are the guest's own business */
	tlb_write(12, 0xc0000000 | 1, PFN(0x01000000) | LO_C | LO_D | LO_V, 0, 0);
	checkx(*(volatile u32 *)P2W(0x300000), 0x5a5a5a5a, "a guest entry over the window changes nothing");
	tlb_clear(10);
	tlb_clear(11);
	tlb_clear(12);
	mtc0(10, 0, 0);
}

/* Monitor calls that name memory that is not the VM's. */
static void bad_dma(void)
{
	printf("# monitor calls with bad buffers\n");
	u32 bad[] = { vt_memsize, vt_memsize - 4, 0x0f000000, 0x7ffffffc, 0xbfffff00, 0xcffffff0, 0xd0000000, 0xfffff000 };
	int ok = 1;
	for (u32 k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		ok &= hcall(1, bad[k], 16, 0, 0).v0 == (u32)EFAULT;
		ok &= hcall(10, 0, 1, bad[k], 0).v0 == (u32)EFAULT || hcall(9, 0, 0, 0, 0).v0 == (u32)-19;
		ok &= hcall(11, 0, 1, bad[k], 0).v0 == (u32)EFAULT || hcall(9, 0, 0, 0, 0).v0 == (u32)-19;
	}
	check(ok, "console and disk buffers outside the VM: EFAULT (or no disk)");
	checkx(hcall(8, vt_memsize, 1, 0, 0).v0, (u32)EFAULT, "zero_pages beyond memory: EFAULT");
	checkx(hcall(8, 0xfffff000, 0x10, 0, 0).v0, (u32)EFAULT, "zero_pages at 0xfffff000: EFAULT");
	checkx(hcall(1, 0, 0x80000000, 0, 0).v0, (u32)EINVAL, "console_write of 2 GiB: EINVAL");
}

/* Random monitor calls (never exit or idle): the VM must keep running. */
static void random_calls(u32 n)
{
	printf("# %u random monitor calls\n", n);
	u32 enosys = 0;
	for (u32 i = 0; i < n; i++) {
		u32 fn = rnd() & 0xffff;
		if (fn == 4 || fn == 5 || fn == 8 || fn == 10)	/* exit, idle, zeroing or DMA into random memory */
			continue;
		if (fn == 1 || fn == 2)		/* console: keep the output readable */
			continue;
		struct hc r = hcall(fn, rnd(), rnd() & 0xff, rnd(), rnd());
		if (r.v0 == (u32)ENOSYS)
			enosys++;
	}
	check(enosys > n / 2, "random monitor calls return (mostly ENOSYS)");
}

/* Privileged instructions from supervisor mode (not kernel): the guest's CpU, never emulated. */
extern char sup_prog[], sup_end[];
__asm__(
	".text\n.set push\n.set noreorder\n.set noat\n"
	".globl sup_prog\nsup_prog:\n"
	" mtc0 $zero, $12\n b .\n nop\n"
	" tlbwi\n b .\n nop\n"
	" lui $t0, 0x8000\n lw $t0, 0($t0)\n b .\n nop\n"
	".globl sup_end\nsup_end:\n"
	".set pop\n");

u32 run_mode(u32 entry, u32 status_bits);
__asm__(
	".text\n.set push\n.set noreorder\n.set noat\n"
	".globl run_mode\nrun_mode:\n"
	" addiu $sp, $sp, -16\n sw $ra, 0($sp)\n sw $s0, 4($sp)\n"
	" lui $t0, %hi(mode_sp)\n sw $sp, %lo(mode_sp)($t0)\n"
	" lui $t0, %hi(1f)\n addiu $t0, $t0, %lo(1f)\n lui $t1, %hi(vt_resume)\n sw $t0, %lo(vt_resume)($t1)\n"
	" li $t0, 3\n lui $t1, %hi(vt_action)\n sw $t0, %lo(vt_action)($t1)\n"
	" mtc0 $a0, $14\n mfc0 $t0, $12\n or $t0, $t0, $a1\n ori $t0, $t0, 2\n mtc0 $t0, $12\n ehb\n eret\n"
	"1: lui $t0, %hi(mode_sp)\n lw $sp, %lo(mode_sp)($t0)\n"
	" lw $ra, 0($sp)\n lw $s0, 4($sp)\n jr $ra\n addiu $sp, $sp, 16\n"
	".set pop\n");
u32 mode_sp;

static void supervisor_mode(void)
{
	printf("# privileged instructions in supervisor mode\n");
	/* supervisor code must live in ksseg: run it in place, in the window */
	u32 base = (u32)sup_prog;
	run_mode(base, ST_KSU_SUPER);
	checkx(LAST_CODE(), EXC_CPU, "mtc0 in supervisor mode: CpU");
	run_mode(base + 12, ST_KSU_SUPER);
	checkx(LAST_CODE(), EXC_CPU, "tlbwi in supervisor mode: CpU");
	run_mode(base + 24, ST_KSU_SUPER);
	checkx(LAST_CODE(), EXC_ADEL, "kseg0 load in supervisor mode: address error");
	checkx(vt_last.badvaddr, 0x80000000, "... at 0x80000000");
}

static void monitor_state(void)
{
	printf("# the monitor's own state\n");
	volatile u32 *priv = (volatile u32 *)0xD0000000u;
	/* Status slot: BEV and ERL are read-only there (CU0, IM, KSU, EXL and IE are the
	   guest's own, and a guest that puts itself in user mode only hurts itself) */
	priv[0] = 0x00400000 | 0x4;
	checkx(mfc0(12, 0) & (0x00400000 | 0x4), 0, "writing BEV/ERL through the page has no effect");
	vt_action = ACT_SKIP;
	u32 n = vt_last.count;
	*(volatile u32 *)0xD0001000u = 1;
	check(vt_last.count - n == 1, "the odd page of the privileged pair is not mapped");
	vt_action = ACT_SKIP;
	n = vt_last.count;
	*(volatile u32 *)KSEG1(0x1fc00000) = 1;	/* the boot ROM: not in a VM */
	check(vt_last.count - n == 1 && LAST_CODE() == EXC_DBE, "kseg1 store to the boot ROM: bus error");
	vt_action = ACT_SKIP;
	n = vt_last.count;
	(void)*(volatile u32 *)KSEG0(vt_memsize);
	check(vt_last.count - n == 1 && LAST_CODE() == EXC_DBE, "kseg0 load past the VM's memory: bus error");
}

static void touch_all(void)
{
	for (u32 a = 0x200000; a < vt_memsize; a += 4096)
		*(volatile u32 *)P2W(a) = a;
	printf("touched %u MiB\n", (vt_memsize - 0x200000) >> 20);
}

int main(u32 argc, u32 argv)
{
	if (!under_monitor()) {
		printf("attack: run me under the monitor\n");
		return 0;
	}
	const char *mode = argc >= 2 ? (const char *)((u32 *)argv)[1] : "";
	printf("attack: %s\n", *mode ? mode : "checks only");
	forged_mappings();
	bad_dma();
	random_calls(500);
	supervisor_mode();
	monitor_state();
	printf("attack: %d failure(s)\n", vt_failures);
	if (!memcmp(mode, "loop", 5)) {
		__asm__ __volatile__("di\n1: b 1b\n nop");
	} else if (!memcmp(mode, "deadlock", 9)) {
		__asm__ __volatile__("di\n\twait");
	} else if (!memcmp(mode, "vector", 7)) {
		mtc0(15, 1, 0x3ffff000);
		__asm__ __volatile__("break");
	} else if (!memcmp(mode, "bev", 4)) {
		mtc0(12, 0, ST_BEV);
		__asm__ __volatile__("break");
	} else if (!memcmp(mode, "kseg3", 6)) {
		((void (*)(void))0xe0000000u)();
	} else if (!memcmp(mode, "hcalls", 7)) {
		random_calls(200000);
	} else if (!memcmp(mode, "touch", 6)) {
		touch_all();
	}
	return vt_failures ? 1 : 0;
}
