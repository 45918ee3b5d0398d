/*
 * work: a small operating-system workload for measuring the monitor's overhead (bare against
 * virtualized, the same image) and its L2TLB. P user processes, each with its own ASID and a
 * linear page table (VPT at 0xDF800000, as the guest kernel's), run in turn; each turn is a
 * system call away from the kernel. The refill handler is the eight-instruction VPT handler;
 * its own misses on page-table pages nest into the general handler, which maps them.
 *
 *   --cmdline "tlb P R"       each process touches its 2 MiB region page by page, R rounds
 *   --cmdline "compute P R"   each process runs an integer loop of R x 100,000 iterations
 *   --cmdline "... priv"      (monitor only) the refill handler reads Context and writes
 *                             EntryLo through the privileged-register page
 *
 * Output (per-process checksums) is the same bare and under the monitor. Run bare with
 * --mem 32M and virtualized with --vm-mem 32M.
 */
#include "vt.h"

#define VPT_BASE	0xDF800000u
#define UCODE_VA	0x00010000u
#define UDATA_VA	0x00400000u
#define UDATA_PAGES	512		/* 2 MiB per process */
#define PA_UCODE	0x00300000u
#define PA_PT		0x00400000u	/* 4 page-table pages (16 KiB) per process */
#define PA_DATA		0x00800000u	/* 2 MiB per process */
#define MAXPROC		8

/* User code (position independent: copied to UCODE_VA). a0..a2 in, v0 out, then syscall. */
extern char user_prog[], user_end[], u_work[], u_compute[];
__asm__(
	".text\n.set push\n.set noreorder\n.set noat\n"
	".globl user_prog\nuser_prog:\n"
	/* u_work(base, npages, rounds): a strided walk over the pages, read-modify-write */
	".globl u_work\nu_work:\n"
	" move $v0, $zero\n move $t9, $zero\n"
	"1: move $t0, $zero\n"
	"2: li $t1, 37\n mul $t2, $t0, $t1\n addu $t2, $t2, $t9\n addiu $t3, $a1, -1\n and $t2, $t2, $t3\n"
	" sll $t2, $t2, 12\n andi $t4, $t9, 0x3ff\n sll $t4, $t4, 2\n addu $t2, $t2, $t4\n addu $t2, $t2, $a0\n"
	" lw $t5, 0($t2)\n addu $v0, $v0, $t5\n sll $t6, $v0, 5\n xor $v0, $v0, $t6\n addiu $t6, $v0, 1\n sw $t6, 0($t2)\n"
	" addiu $t0, $t0, 1\n bne $t0, $a1, 2b\n nop\n"
	" addiu $t9, $t9, 1\n bne $t9, $a2, 1b\n nop\n"
	" syscall\n b .\n nop\n"
	/* u_compute(iterations): xorshift, no memory */
	".globl u_compute\nu_compute:\n"
	" lui $v0, 0x1234\n ori $v0, $v0, 0x5678\n move $t0, $zero\n"
	"3: sll $t1, $v0, 13\n xor $v0, $v0, $t1\n srl $t1, $v0, 17\n xor $v0, $v0, $t1\n"
	" sll $t1, $v0, 5\n xor $v0, $v0, $t1\n addu $v0, $v0, $t0\n addiu $t0, $t0, 1\n bne $t0, $a0, 3b\n nop\n"
	" syscall\n b .\n nop\n"
	".globl user_end\nuser_end:\n"
	".set pop\n");

/* call_user(entry, a0, a1, a2): run user code at entry with a0..a2; returns its v0 at syscall. */
u32 call_user(u32 entry, u32 a0, u32 a1, u32 a2);
__asm__(
	".text\n.set push\n.set noreorder\n.set noat\n"
	".globl call_user\ncall_user:\n"
	" addiu $sp, $sp, -48\n sw $s0, 0($sp)\n sw $s1, 4($sp)\n sw $s2, 8($sp)\n sw $s3, 12($sp)\n"
	" sw $s4, 16($sp)\n sw $s5, 20($sp)\n sw $s6, 24($sp)\n sw $s7, 28($sp)\n sw $fp, 32($sp)\n"
	" sw $ra, 36($sp)\n sw $gp, 40($sp)\n"
	" lui $t0, %hi(call_user_sp)\n sw $sp, %lo(call_user_sp)($t0)\n"
	" lui $t0, %hi(1f)\n addiu $t0, $t0, %lo(1f)\n lui $t1, %hi(vt_resume)\n sw $t0, %lo(vt_resume)($t1)\n"
	" li $t0, 3\n lui $t1, %hi(vt_action)\n sw $t0, %lo(vt_action)($t1)\n"
	" mtc0 $a0, $14\n mfc0 $t0, $12\n ori $t0, $t0, 0x12\n mtc0 $t0, $12\n ehb\n"
	" move $a0, $a1\n move $a1, $a2\n move $a2, $a3\n eret\n"
	"1: lui $t0, %hi(call_user_sp)\n lw $sp, %lo(call_user_sp)($t0)\n"
	" lw $s0, 0($sp)\n lw $s1, 4($sp)\n lw $s2, 8($sp)\n lw $s3, 12($sp)\n lw $s4, 16($sp)\n"
	" lw $s5, 20($sp)\n lw $s6, 24($sp)\n lw $s7, 28($sp)\n lw $fp, 32($sp)\n lw $ra, 36($sp)\n"
	" lw $gp, 40($sp)\n jr $ra\n addiu $sp, $sp, 48\n"
	".set pop\n");
u32 call_user_sp;

static u32 pt_base(u32 asid)
{
	return PA_PT + (asid - 1) * 0x4000;
}

/* The nested miss of the refill handler on a page-table page: map the VPT pair of this ASID. */
static u32 vpt_misses;
static int vpt_hook(struct frame *f)
{
	u32 code = (f->cause & CA_EXC_MASK) >> CA_EXC_SHIFT;
	u32 off = f->badvaddr - VPT_BASE;
	if (code != EXC_TLBL || off >= 0x4000)
		return 0;
	u32 asid = f->entryhi & 0xff;
	u32 pt = pt_base(asid) + (off & ~0x1fffu);
	mtc0(2, 0, PFN(pt) | LO_C | LO_D | LO_V);
	mtc0(3, 0, PFN(pt + 0x1000) | LO_C | LO_D | LO_V);
	__asm__ __volatile__("tlbwr\n\tehb" ::: "memory");
	vpt_misses++;
	return 1;
}

/* Build process `asid`'s page table: the shared code page and its 2 MiB of data. */
static void make_process(u32 asid)
{
	u32 *pt = P2W(pt_base(asid));
	memset(pt, 0, 0x4000);
	u32 *slot = pt + (UCODE_VA >> 13) * 4;
	slot[0] = PFN(PA_UCODE) | LO_C | LO_V;
	for (u32 j = 0; j < UDATA_PAGES / 2; j++) {
		u32 pa = PA_DATA + (asid - 1) * 0x200000 + j * 0x2000;
		slot = pt + ((UDATA_VA >> 13) + j) * 4;
		slot[0] = PFN(pa) | LO_C | LO_D | LO_V;
		slot[1] = PFN(pa + 0x1000) | LO_C | LO_D | LO_V;
	}
	memset(P2W(PA_DATA + (asid - 1) * 0x200000), 0, 0x200000);
}

static u32 num(const char **s)
{
	u32 n = 0;
	while (**s == ' ')
		(*s)++;
	while (**s >= '0' && **s <= '9')
		n = n * 10 + (u32)(*(*s)++ - '0');
	return n;
}

int main(u32 argc, u32 argv)
{
	const char *cmd = argc >= 2 ? (const char *)((u32 *)argv)[1] : "";
	int tlb = memcmp(cmd, "compute", 7) != 0;
	while (*cmd && *cmd != ' ')
		cmd++;
	u32 nproc = num(&cmd), rounds = num(&cmd);
	while (*cmd == ' ')
		cmd++;
	int priv = !memcmp(cmd, "priv", 4) && under_monitor();
	if (nproc == 0 || nproc > MAXPROC)
		nproc = 4;
	if (rounds == 0)
		rounds = 4;
	printf("work: %s, %u processes, %u rounds\n", tlb ? "tlb" : "compute", nproc, rounds);

	memcpy(P2W(PA_UCODE), user_prog, (u32)(user_end - user_prog));
	for (u32 a = 1; a <= nproc; a++)
		make_process(a);
	mtc0(6, 0, 8);
	mtc0(4, 0, VPT_BASE);
	vt_hook = vpt_hook;
	vt_refill_mode = priv ? 2 : 1;

	u32 sum[MAXPROC] = { 0 };
	u32 ework = UCODE_VA + (u32)(u_work - user_prog);
	u32 ecomp = UCODE_VA + (u32)(u_compute - user_prog);
	for (u32 r = 0; r < rounds; r++) {
		for (u32 a = 1; a <= nproc; a++) {
			mtc0(10, 0, a);
			u32 v = tlb ? call_user(ework, UDATA_VA, UDATA_PAGES, 1 + (r & 1))
				    : call_user(ecomp, 100000, 0, 0);
			sum[a - 1] = sum[a - 1] * 31 + v;
		}
	}
	vt_refill_mode = 0;
	vt_hook = 0;
	mtc0(10, 0, 0);
	for (u32 a = 1; a <= nproc; a++)
		printf("process %u: checksum %08x\n", a, sum[a - 1]);
	printf("work: done\n");
	return 0;
}
