/*
 * priv: the privileged architecture as a guest kernel sees it, printed so that a bare run and
 * a run under the monitor can be compared byte for byte (test/vmm-guests.test.ts). Under the
 * monitor every CP0 access, TLB write and eret below is emulated, every TLB miss outside the
 * window is reflected, and every device access is emulated; the output must not change.
 *
 * Run bare with --mem 16M and under the monitor with --vm-mem 16M (memsize is printed).
 * Nothing printed depends on timing (Count, Random) or on which one runs.
 */
#include "vt.h"

#define ASID_A		5
#define ASID_B		6
#define UBASE		0x00010000u	/* user code page */
#define USTACK		0x00012000u	/* top of the user stack page (the odd page of UBASE) */
#define PA_DATA		0x400000u	/* test data pages */
#define PA_UCODE	0x500000u
#define PA_USTACK	0x501000u
#define PA_PT		0x600000u	/* linear page table pages */
#define PA_VDATA	0x610000u
#define VPT_BASE	0xDF800000u

#define HI(va, asid)	((u32)(va) | (asid))
#define LO(pa, f)	(PFN(pa) | LO_C | (f))

static void section(const char *s)
{
	printf("# %s\n", s);
}

/* The exception just taken, in a form that must be identical bare and virtualized. */
static void show(const char *what, u32 epc_base)
{
	u32 c = vt_last.cause;
	printf("%s: code %u vec %u bd %u ce %u epc+%x badvaddr %08x status %02x\n", what,
	       (c & CA_EXC_MASK) >> CA_EXC_SHIFT, vt_last.vec, c >> 31, (c >> 28) & 3,
	       vt_last.epc - epc_base, vt_last.badvaddr, vt_last.status & 0x1f);
}

/* ------------------------------------------------------------------------------------- */

static void cp0_registers(void)
{
	section("cp0 registers");
	checkx(mfc0(15, 0), 0x00019300, "PRId");
	checkx(((mfc0(16, 1) >> 25) & 63) + 1, 64, "Config1.MMUSize");
	checkx(mfc0(16, 1) & 1, 0, "Config1.FP = 0");
	checkx(mfc0(15, 1) & 0x3ff, 0, "EBase.CPUNum");
	checkx(mfc0(15, 1) & 0xfffff000, 0x80000000, "EBase");
	checkx(mfc0(12, 0), 0, "Status after boot");
	checkx(mfc0(12, 1), 0xe0000000, "IntCtl.IPTI = 7");
	checkx(mfc0(12, 2), 0, "SRSCtl");
	printf("config0 %08x config2 %08x config3 %08x\n", mfc0(16, 0), mfc0(16, 2), mfc0(16, 3));
	mtc0(2, 0, 0xffffffff);
	checkx(mfc0(2, 0), 0x3fffffff, "EntryLo0 write mask");
	mtc0(3, 0, 0xffffffff);
	checkx(mfc0(3, 0), 0x3fffffff, "EntryLo1 write mask");
	mtc0(5, 0, 0xffffffff);
	checkx(mfc0(5, 0), 0x01ffe000, "PageMask write mask");
	mtc0(5, 0, 0);
	mtc0(0, 0, 0xffffffff);
	checkx(mfc0(0, 0), 63, "Index write mask");
	mtc0(10, 0, 0xffffffff);
	checkx(mfc0(10, 0), 0xffffe0ff, "EntryHi write mask");
	mtc0(10, 0, 0);
	mtc0(4, 0, 0xffffffff);
	checkx(mfc0(4, 0) & 0xff800000, 0xff800000, "Context.PTEBase writable");
	mtc0(6, 0, 8);
	checkx(mfc0(6, 0), 8, "Wired");
	mtc0(7, 0, 0xffffffff);
	checkx(mfc0(7, 0), 0x2000000f, "HWREna write mask");
	mtc0(7, 0, 0);
	mtc0(4, 2, 0x12345678);
	checkx(mfc0(4, 2), 0x12345678, "UserLocal");
	mtc0(14, 0, 0xc0001234);
	checkx(mfc0(14, 0), 0xc0001234, "EPC");
	mtc0(30, 0, 0xc0005678);
	checkx(mfc0(30, 0), 0xc0005678, "ErrorEPC");
	mtc0(11, 0, 0xabcdef01);
	checkx(mfc0(11, 0), 0xabcdef01, "Compare");
	mtc0(13, 0, CA_IV);
	checkx(mfc0(13, 0) & (CA_IV | CA_DC | 0x300), CA_IV, "Cause.IV writable");
	mtc0(13, 0, 0x300);
	checkx(mfc0(13, 0) & 0x300, 0x300, "Cause.IP1..0 writable");
	mtc0(13, 0, 0);
	checkx(mfc0(13, 0) & 0x0880037c, 0, "Cause cleared");
	u32 c1 = mfc0(9, 0);
	for (volatile int i = 0; i < 100; i++)
		;
	check(mfc0(9, 0) != c1, "Count advances");
	mtc0(12, 0, ST_IM(7) | ST_IM(2));
	checkx(mfc0(12, 0), ST_IM(7) | ST_IM(2), "Status.IM");
	mtc0(12, 0, 0);
	u32 s;
	__asm__ __volatile__("ei %0\n\tehb" : "=r"(s));
	checkx(s & ST_IE, 0, "ei returns the old Status");
	checkx(mfc0(12, 0) & ST_IE, ST_IE, "ei sets IE");
	__asm__ __volatile__("di %0\n\tehb" : "=r"(s));
	checkx(s & ST_IE, ST_IE, "di returns the old Status");
	checkx(mfc0(12, 0) & ST_IE, 0, "di clears IE");
	__asm__ __volatile__("cache 0x1, 0(%0)\n\tcache 0x15, 64(%0)" :: "r"(0x80000000u));
	check(1, "cache is accepted");
}

static void tlb_instructions(void)
{
	section("tlb instructions");
	tlb_write(10, HI(0x00400000, ASID_A), LO(PA_DATA, LO_D | LO_V), LO(PA_DATA + 0x1000, LO_V), 0);
	mtc0(0, 0, 10);
	__asm__ __volatile__("tlbr\n\tehb" ::: "memory");
	checkx(mfc0(10, 0), HI(0x00400000, ASID_A), "tlbr EntryHi");
	checkx(mfc0(2, 0), LO(PA_DATA, LO_D | LO_V), "tlbr EntryLo0");
	checkx(mfc0(3, 0), LO(PA_DATA + 0x1000, LO_V), "tlbr EntryLo1");
	checkx(mfc0(5, 0), 0, "tlbr PageMask");
	tlb_write(11, HI(0x01000000, 0), LO(0x800000, LO_V | LO_G), LO(0x900000, LO_V | LO_G), PM_1M);
	mtc0(0, 0, 11);
	__asm__ __volatile__("tlbr\n\tehb" ::: "memory");
	checkx(mfc0(5, 0), PM_1M, "tlbr PageMask (1 MiB pages)");
	checkx(mfc0(2, 0) & 1, 1, "tlbr G in EntryLo0");
	checkx(mfc0(3, 0) & 1, 1, "tlbr G in EntryLo1");
	mtc0(5, 0, 0);
	mtc0(10, 0, HI(0x00400000, ASID_A));
	__asm__ __volatile__("tlbp\n\tehb" ::: "memory");
	checkx(mfc0(0, 0), 10, "tlbp finds the entry");
	mtc0(10, 0, HI(0x00400000, ASID_B));
	__asm__ __volatile__("tlbp\n\tehb" ::: "memory");
	checkx(mfc0(0, 0) >> 31, 1, "tlbp misses another ASID");
	mtc0(10, 0, HI(0x01080000, 7));
	__asm__ __volatile__("tlbp\n\tehb" ::: "memory");
	checkx(mfc0(0, 0), 11, "tlbp finds a global 1 MiB page");
	/* a second entry matching the same addresses: machine check, the entry is not written */
	vt_action = ACT_SKIP;
	u32 n = vt_last.count;
	tlb_write(12, HI(0x00400000, ASID_A), 0, 0, 0);
	checkx(vt_last.count - n, 1, "duplicate entry raises an exception");
	checkx(LAST_CODE(), 24, "... a machine check");
	checkx(mfc0(12, 0) & ST_TS, ST_TS, "... with Status.TS");
	mtc0(12, 0, mfc0(12, 0) & ~ST_TS);
	mtc0(0, 0, 12);
	__asm__ __volatile__("tlbr\n\tehb" ::: "memory");
	check(mfc0(10, 0) != HI(0x00400000, ASID_A), "... and entry 12 is unchanged");
	mtc0(10, 0, 0);
	tlb_clear(11);
}

/* A load at `va` whose address the test knows; returns the value and the load's address. */
static u32 load_at(u32 va, u32 *pc)
{
	u32 v, at;
	__asm__ __volatile__(".set push\n\t.set noreorder\n\tla %1, 1f\n1:\tlw %0, 0(%2)\n\tnop\n\t.set pop"
			     : "=&r"(v), "=&r"(at) : "r"(va) : "memory");
	*pc = at;
	return v;
}

static void store_at(u32 va, u32 val, u32 *pc)
{
	u32 at;
	__asm__ __volatile__(".set push\n\t.set noreorder\n\tla %0, 1f\n1:\tsw %1, 0(%2)\n\tnop\n\t.set pop"
			     : "=&r"(at) : "r"(val), "r"(va) : "memory");
	*pc = at;
}

/* The load sits in the delay slot of a taken branch; *pc = the branch. */
static u32 load_in_slot(u32 va, u32 *pc)
{
	u32 v, at;
	__asm__ __volatile__(".set push\n\t.set noreorder\n\tla %1, 1f\n1:\tbeq $0, $0, 2f\n\tlw %0, 0(%2)\n\tnop\n2:\t.set pop"
			     : "=&r"(v), "=&r"(at) : "r"(va) : "memory");
	*pc = at;
	return v;
}

static void mapped_memory(void)
{
	u32 pc;
	section("mapped memory and reflected TLB exceptions");
	volatile u32 *w = P2W(PA_DATA);
	mtc0(10, 0, ASID_A);
	mtc0(4, 0, VPT_BASE);
	tlb_write(10, HI(0x00400000, ASID_A), LO(PA_DATA, LO_D | LO_V), LO(PA_DATA + 0x1000, LO_V), 0);
	*(volatile u32 *)0x00400010 = 0x1234abcd;
	checkx(w[4], 0x1234abcd, "kuseg store lands in the mapped page");
	w[5] = 0x55aa55aa;
	checkx(*(volatile u32 *)0x00400014, 0x55aa55aa, "kuseg load sees the window store");

	((volatile u32 *)P2W(PA_DATA + 0x2000))[0] = 0xfeed0001;
	vt_fill.index = 13;
	vt_fill.lo0 = LO(PA_DATA + 0x2000, LO_D | LO_V);
	vt_fill.lo1 = LO(PA_DATA + 0x3000, LO_D | LO_V);
	vt_fill.mask = 0;
	vt_action = ACT_FILL;
	u32 v = load_at(0x00600000, &pc);
	checkx(v, 0xfeed0001, "refill handled by the guest, load retried");
	show("refill load", pc);
	checkx(vt_last.entryhi, HI(0x00600000, ASID_A), "refill EntryHi = VPN2 | ASID");
	checkx(vt_last.context, VPT_BASE | ((0x00600000 >> 13) << 4), "refill Context");

	vt_fill.index = 14;
	vt_fill.lo0 = LO(PA_DATA + 0x4000, LO_D | LO_V);
	vt_fill.lo1 = LO(PA_DATA + 0x5000, LO_D | LO_V);
	vt_action = ACT_FILL;
	store_at(0x00602004, 0x77, &pc);
	show("refill store", pc);
	checkx(((volatile u32 *)P2W(PA_DATA + 0x4000))[1], 0x77, "store retried after the refill");

	((volatile u32 *)P2W(PA_DATA + 0x6000))[2] = 0xfeed0002;
	vt_fill.index = 15;
	vt_fill.lo0 = LO(PA_DATA + 0x6000, LO_D | LO_V);
	vt_fill.lo1 = 0;
	vt_action = ACT_FILL;
	v = load_in_slot(0x00604008, &pc);
	checkx(v, 0xfeed0002, "refill in a delay slot: retried from the branch");
	show("refill in delay slot", pc);

	tlb_write(16, HI(0x00800000, ASID_A), LO(PA_DATA + 0x8000, LO_D), LO(PA_DATA + 0x9000, LO_V), 0);
	vt_action = ACT_SKIP;
	load_at(0x00800000, &pc);
	show("invalid (V = 0)", pc);
	vt_action = ACT_SKIP;
	store_at(0x00801000, 1, &pc);
	show("modified (D = 0)", pc);
	vt_action = ACT_SKIP;
	store_at(0x00400010 + 0x1000, 1, &pc);
	show("modified, odd page", pc);

	/* ASIDs: another address space sees other memory at the same address */
	((volatile u32 *)P2W(PA_DATA + 0xa000))[4] = 0xb0b0b0b0;
	mtc0(10, 0, ASID_B);
	vt_fill.index = 17;
	vt_fill.lo0 = LO(PA_DATA + 0xa000, LO_D | LO_V);
	vt_fill.lo1 = 0;
	vt_action = ACT_FILL;
	v = load_at(0x00400010, &pc);
	checkx(v, 0xb0b0b0b0, "ASID B maps its own page");
	checkx(vt_last.entryhi, HI(0x00400000, ASID_B), "refill EntryHi carries ASID B");
	mtc0(10, 0, ASID_A);
	checkx(*(volatile u32 *)0x00400010, 0x1234abcd, "ASID A still sees its page");
	tlb_write(18, HI(0x00c00000, 0), LO(PA_DATA + 0xc000, LO_D | LO_V | LO_G), LO(PA_DATA + 0xd000, LO_D | LO_V | LO_G), 0);
	*(volatile u32 *)0x00c00000 = 0x600d;
	mtc0(10, 0, ASID_B);
	checkx(*(volatile u32 *)0x00c00000, 0x600d, "a global entry matches every ASID");
	mtc0(10, 0, ASID_A);

	/* rewriting an entry: the old translation is gone at once */
	tlb_write(10, HI(0x00400000, ASID_A), LO(PA_DATA + 0xe000, LO_D | LO_V), 0, 0);
	((volatile u32 *)P2W(PA_DATA + 0xe000))[4] = 0x0e0e0e0e;
	checkx(*(volatile u32 *)0x00400010, 0x0e0e0e0e, "tlbwi replaces the translation");
	vt_action = ACT_SKIP;
	load_at(0x00401000, &pc);
	show("invalid after rewrite", pc);
	for (u32 i = 10; i <= 18; i++)
		tlb_clear(i);
	vt_action = ACT_SKIP;
	load_at(0x00400010, &pc);
	show("refill after clearing", pc);
}

/* ------------------------------------------------------------------------------------- */
/* User mode. Each entry point does one thing that traps; run_user returns after it. */

extern char user_prog[], user_end[];
extern char u_syscall[], u_mfc0[], u_lwc1[], u_window[], u_kseg0[], u_break[], u_teq[];
extern char u_add[], u_ri[], u_rdhwr0[], u_rdhwr2[], u_rdhwr29[], u_refill[], u_slot[];
extern char u_ei[], u_wait[], u_cache[], u_eret[], u_priv[];

__asm__(
	".text\n"
	".set push\n.set noreorder\n.set noat\n"
	".globl user_prog\nuser_prog:\n"
	".globl u_syscall\nu_syscall: li $a0, 7\n syscall\n b .\n nop\n"
	".globl u_mfc0\nu_mfc0: mfc0 $t0, $12\n b .\n nop\n"
	".globl u_lwc1\nu_lwc1: .word 0xc7a00000\n b .\n nop\n" /* lwc1 $f0, 0($sp) */
	".globl u_window\nu_window: lui $t1, 0xc000\n lw $t0, 0x10($t1)\n b .\n nop\n"
	".globl u_kseg0\nu_kseg0: lui $t1, 0x8000\n sw $t0, 4($t1)\n b .\n nop\n"
	".globl u_break\nu_break: break 5\n b .\n nop\n"
	".globl u_teq\nu_teq: teq $zero, $zero\n b .\n nop\n"
	".globl u_add\nu_add: lui $t0, 0x7fff\n add $t0, $t0, $t0\n b .\n nop\n"
	".globl u_ri\nu_ri: .word 0x00000005\n b .\n nop\n"
	".globl u_rdhwr0\nu_rdhwr0: .set mips32r2\n rdhwr $v0, $0\n syscall\n b .\n nop\n"
	".globl u_rdhwr2\nu_rdhwr2: rdhwr $v0, $2\n syscall\n b .\n nop\n"
	".globl u_rdhwr29\nu_rdhwr29: rdhwr $v0, $29\n syscall\n b .\n nop\n"
	".globl u_refill\nu_refill: lui $t1, 0x0070\n lw $t0, 8($t1)\n b .\n nop\n"
	".globl u_slot\nu_slot: lui $t1, 0x0070\n beq $zero, $zero, 1f\n lw $t0, 12($t1)\n1: b .\n nop\n"
	".globl u_ei\nu_ei: ei\n b .\n nop\n"
	".globl u_wait\nu_wait: wait\n b .\n nop\n"
	".globl u_cache\nu_cache: cache 0x1, 0($sp)\n b .\n nop\n"
	".globl u_eret\nu_eret: eret\n b .\n nop\n"
	".globl u_priv\nu_priv: lui $t1, 0xd000\n lw $t0, 0($t1)\n b .\n nop\n"
	".globl user_end\nuser_end:\n"
	".set pop\n");

/*
 * run_user(entry, sp): enter user mode at entry with sp (ASID as set); returns when the
 * handler resumes the kernel (ACT_RESUME), v0 as the user left it.
 */
u32 run_user(u32 entry, u32 sp);
__asm__(
	".text\n"
	".set push\n.set noreorder\n.set noat\n"
	".globl run_user\nrun_user:\n"
	" addiu $sp, $sp, -48\n sw $s0, 0($sp)\n sw $s1, 4($sp)\n sw $s2, 8($sp)\n sw $s3, 12($sp)\n"
	" sw $s4, 16($sp)\n sw $s5, 20($sp)\n sw $s6, 24($sp)\n sw $s7, 28($sp)\n sw $fp, 32($sp)\n"
	" sw $ra, 36($sp)\n sw $gp, 40($sp)\n"
	" lui $t0, %hi(run_user_sp)\n sw $sp, %lo(run_user_sp)($t0)\n"
	" lui $t0, %hi(1f)\n addiu $t0, $t0, %lo(1f)\n lui $t1, %hi(vt_resume)\n sw $t0, %lo(vt_resume)($t1)\n"
	" li $t0, 3\n lui $t1, %hi(vt_action)\n sw $t0, %lo(vt_action)($t1)\n"
	" mtc0 $a0, $14\n mfc0 $t0, $12\n ori $t0, $t0, 0x12\n mtc0 $t0, $12\n ehb\n"
	" move $sp, $a1\n eret\n"
	"1: lui $t0, %hi(run_user_sp)\n lw $sp, %lo(run_user_sp)($t0)\n"
	" lw $s0, 0($sp)\n lw $s1, 4($sp)\n lw $s2, 8($sp)\n lw $s3, 12($sp)\n lw $s4, 16($sp)\n"
	" lw $s5, 20($sp)\n lw $s6, 24($sp)\n lw $s7, 28($sp)\n lw $fp, 32($sp)\n lw $ra, 36($sp)\n"
	" lw $gp, 40($sp)\n jr $ra\n addiu $sp, $sp, 48\n"
	".set pop\n");
u32 run_user_sp;

static u32 user(const char *name, char *entry)
{
	u32 va = UBASE + (u32)(entry - user_prog);
	u32 v0 = run_user(va, USTACK - 16);
	show(name, UBASE);
	return v0;
}

static void user_mode(void)
{
	section("user mode");
	/* the user program, its stack page (ASID A), read-only code */
	memcpy(P2W(PA_UCODE), user_prog, (u32)(user_end - user_prog));
	mtc0(10, 0, ASID_A);
	tlb_write(20, HI(UBASE, ASID_A), LO(PA_UCODE, LO_V), LO(PA_USTACK, LO_D | LO_V), 0);
	user("syscall", u_syscall);
	user("mfc0", u_mfc0);
	user("lwc1", u_lwc1);
	user("window load", u_window);
	user("kseg0 store", u_kseg0);
	user("break", u_break);
	user("teq", u_teq);
	user("add overflow", u_add);
	user("reserved instruction", u_ri);
	user("rdhwr CPUNum, not enabled", u_rdhwr0);
	mtc0(7, 0, 0x20000005);		/* HWREna: CPUNum, CC, UserLocal */
	mtc0(4, 2, 0xcafe0001);
	checkx(user("rdhwr CPUNum", u_rdhwr0), 0, "rdhwr CPUNum = 0");
	check(user("rdhwr CC", u_rdhwr2) != 0, "rdhwr CC counts");
	checkx(user("rdhwr UserLocal", u_rdhwr29), 0xcafe0001, "rdhwr UserLocal");
	mtc0(7, 0, 0);
	user("refill", u_refill);
	checkx(vt_last.entryhi, HI(0x00700000, ASID_A), "user refill EntryHi");
	user("refill in a delay slot", u_slot);
	user("ei", u_ei);
	user("wait", u_wait);
	user("cache", u_cache);
	user("eret", u_eret);
	user("privileged page address", u_priv);
	tlb_clear(20);
}

/* ------------------------------------------------------------------------------------- */

static void interrupts(void)
{
	section("interrupts");
	mtc0(12, 0, ST_IM(0) | ST_IE);
	mtc0(13, 0, CA_IP(0));
	for (volatile int i = 0; i < 10; i++)
		;
	checkx(vt_softints, 1, "software interrupt IP0 taken");
	mtc0(12, 0, 0);
	mtc0(13, 0, CA_IP(1));
	checkx(vt_softints, 1, "masked: not taken");
	mtc0(12, 0, ST_IM(1) | ST_IE);
	for (volatile int i = 0; i < 10; i++)
		;
	checkx(vt_softints, 2, "taken once unmasked");
	mtc0(12, 0, 0);

	/* the timer: Count = Compare raises TI and IP7 (PRA 9.13) */
	mtc0(11, 0, mfc0(9, 0) + 200);
	while (!(mfc0(13, 0) & CA_TI))
		;
	check(1, "Cause.TI set when Count reaches Compare");
	checkx(mfc0(13, 0) & CA_IP(7), CA_IP(7), "... with IP7");
	mtc0(11, 0, mfc0(11, 0));
	checkx(mfc0(13, 0) & (CA_TI | CA_IP(7)), 0, "writing Compare acknowledges");

	vt_tick_period = 2000;
	mtc0(11, 0, mfc0(9, 0) + 2000);
	mtc0(12, 0, ST_IM(7) | ST_IE);
	while (vt_ticks < 5)
		__asm__ __volatile__("wait");
	mtc0(12, 0, 0);
	checkx(vt_ticks, 5, "five timer interrupts through wait");
	vt_tick_period = 0;
	mtc0(11, 0, mfc0(11, 0));
}

/* ------------------------------------------------------------------------------------- */

static void window_and_segments(u32 argc, u32 argv)
{
	section("window, kseg0, kseg1");
	volatile u32 *w = P2W(0x800000);
	u32 sum = 0;
	for (u32 i = 0; i < (2u << 20) / 4; i++)
		w[i] = i * 2654435761u;
	for (u32 i = 0; i < (2u << 20) / 4; i += 7)
		sum += w[i] ^ i;
	printf("window checksum %08x\n", sum);
	volatile u32 *k0 = (volatile u32 *)KSEG0(0x800000);
	volatile u32 *k1 = (volatile u32 *)KSEG1(0x800100);
	int same = 1;
	for (u32 i = 0; i < 32; i++)
		same &= k0[i] == w[i];
	check(same, "kseg0 reads what the window wrote");
	k1[0] = 0xa1a1a1a1;
	((volatile u8 *)k1)[5] = 0x5b;
	((volatile u16 *)k1)[3] = 0x1234;
	checkx(w[0x40], 0xa1a1a1a1, "kseg1 word store");
	checkx(w[0x41], 0x12345b00 | (w[0x41] & 0xff), "kseg1 byte and halfword stores");
	checkx(((volatile u8 *)k0)[0x105], 0x5b, "kseg0 byte load");
	checkx((u32)((volatile s32 *)k0)[0x41] >> 16, 0x1234, "kseg0 word load");
	checkx(argc, 2, "argc");
	u32 *av = (u32 *)argv;	/* kseg0 pointers, as the loader writes them */
	printf("cmdline \"%s\"\n", (const char *)av[1]);
	printf("memsize %u MiB\n", vt_memsize >> 20);
	u32 x = 5, ok;
	__asm__ __volatile__("1: ll %0, 0(%2)\n\taddiu %0, %0, 1\n\tsc %0, 0(%2)\n\tbeqz %0, 1b\n\tnop\n\tlw %1, 0(%2)"
			     : "=&r"(ok), "=&r"(x) : "r"(&x) : "memory");
	checkx(x, 6, "ll/sc");
	u32 r;
	vt_action = ACT_SKIP;
	__asm__ __volatile__("ll %0, 0(%1)\n\tli $2, 0\n\tsyscall\n\tsc %0, 0(%1)" : "=&r"(r) : "r"(&x) : "memory", "$2");
	checkx(r, 0, "an exception (eret) breaks the link");
}

/* ------------------------------------------------------------------------------------- */
/* A VPT refill handler whose own load misses: a nested exception with EXL set (PRA 6.2.1). */

static void nested_refill(void)
{
	u32 pc;
	section("nested refill (linear page table)");
	u32 va = 0x00a00000;
	u32 vpn2 = va >> 13;
	u32 slot = VPT_BASE + vpn2 * 16;	/* 0xDF805000 */
	u32 *pt = P2W(PA_PT + 0x1000);		/* backs the VPT page of slot */
	pt[(slot & 0xfff) / 4] = LO(PA_VDATA, LO_D | LO_V);
	pt[(slot & 0xfff) / 4 + 1] = LO(PA_VDATA + 0x1000, LO_D | LO_V);
	((volatile u32 *)P2W(PA_VDATA))[3] = 0x0abcdef0;
	mtc0(4, 0, VPT_BASE);
	mtc0(10, 0, 7);
	vt_refill_mode = 1;
	vt_fill.index = 30;
	vt_fill.lo0 = LO(PA_PT, LO_D | LO_V);
	vt_fill.lo1 = LO(PA_PT + 0x1000, LO_D | LO_V);
	vt_fill.mask = 0;
	vt_action = ACT_FILL;
	u32 v = load_at(va + 12, &pc);
	vt_refill_mode = 0;
	checkx(v, 0x0abcdef0, "load through a PTE fetched by the refill handler");
	show("nested miss", pc);
	checkx(vt_last.badvaddr, slot, "nested miss BadVAddr = the PTE slot");
	checkx(vt_last.entryhi, (slot & ~0x1fffu) | 7, "nested miss EntryHi");
	checkx(vt_last.status & ST_EXL, ST_EXL, "nested miss taken with EXL set");
	mtc0(10, 0, va | 7);
	__asm__ __volatile__("tlbp\n\tehb" ::: "memory");
	u32 idx = mfc0(0, 0);
	check(!(idx >> 31) && idx >= 8, "the handler's tlbwr entry is in the random range");
	if (!(idx >> 31))
		tlb_clear(idx);
	tlb_clear(30);
	mtc0(10, 0, ASID_A);
}

int main(u32 argc, u32 argv, u32 envp, u32 memsize)
{
	(void)envp;
	(void)memsize;
	printf("priv: privileged architecture test\n");
	cp0_registers();
	tlb_instructions();
	mapped_memory();
	user_mode();
	interrupts();
	window_and_segments(argc, argv);
	nested_refill();
	printf("priv: %d failure(s)\n", vt_failures);
	return vt_failures ? 1 : 0;
}
