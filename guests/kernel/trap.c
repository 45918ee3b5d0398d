/*
 * Traps: interrupts, system calls, TLB faults and everything else (MIPS32 PRA 6.2). entry.S
 * has saved the frame and cleared EXL; interrupts are off until a handler turns them on.
 *
 * From user mode, a fault the kernel cannot resolve kills the process with a message; from
 * kernel mode it is a kernel bug and panics. Timer interrupts preempt the running process.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "syscall.h"
#include "net.h"
#include "defs.h"

static const char *excname[32] = {
	"interrupt", "TLB modified", "TLB load", "TLB store", "address error (load)",
	"address error (store)", "bus error (fetch)", "bus error (data)", "syscall",
	"breakpoint", "reserved instruction", "coprocessor unusable", "overflow", "trap",
};

/*
 * Under the disco monitor, point the exception vectors at the paravirtual entry path
 * (entry.S kexc_vm, vm_refill), which reads and writes the privileged registers through the
 * monitor's privileged-register page instead of trapping on mfc0/mtc0 (Disco section 4.2.1).
 * The vectors are RAM at physical 0 (EBase 0x80000000), shared by all CPUs: called once, by
 * the boot CPU, after the probe and before any other CPU or process runs. As IRIX installs
 * its handlers, by copying them to the vectors; synci makes the new code visible to fetch.
 */
extern u32 vm_refill[], vm_refill_end[], vm_general[], vm_general_end[];

static void install(u32 pa, const u32 *from, const u32 *to)
{
	u32 *dst = P2V(pa);
	for (const u32 *w = from; w < to; w++)
		*dst++ = *w;
	for (u32 a = (u32)P2V(pa); a < (u32)dst; a += 16)
		__asm__ __volatile__("synci 0(%0)" :: "r"(a) : "memory");
	__asm__ __volatile__("sync" ::: "memory");
}

void trap_vm_vectors(void)
{
	install(0x000, vm_refill, vm_refill_end);	/* TLB refill (PRA 6.2.1) */
	install(0x180, vm_general, vm_general_end);	/* general exception */
	install(0x200, vm_general, vm_general_end);	/* interrupt, Cause.IV = 1 */
}

/* Start this CPU's tick: Compare = Count + TICK_COUNT (PRA 9.13). */
void timer_init(void)
{
	mtc0(11, 0, read_count() + TICK_COUNT);
}

static void clockintr(void)
{
	struct cpu *c = mycpu();
	u32 next = mfc0(11, 0) + TICK_COUNT;
	u32 now = read_count();
	if ((int)(next - now) <= 0)	/* missed ticks (a long wait): no catching up */
		next = now + TICK_COUNT;
	mtc0(11, 0, next);	/* also acknowledges the interrupt */
	c->ticks++;
	if (c->id == 0) {
		acquire(&tickslock);
		ticks++;
		wakeup(&ticks);
		release(&tickslock);
		net_tick(ticks);	/* network waits with a deadline (nfs.c's retransmission) */
	}
}

/* Handle pending device interrupts; returns 1 if the timer was among them. */
static int devintr(struct trapframe *tf)
{
	u32 pending = tf->cause & tf->status & CA_IP_MASK;
	int timer = 0;
	if (pending & CA_IP(TIMER_IRQ)) {
		clockintr();
		timer = 1;
	}
	if (pending & CA_IP(VIRTIO0_IRQ))
		virtio_disk_intr();
	if (pending & CA_IP(NET_IRQ))
		net_intr();
	if (pending & CA_IP(IPI_IRQ))
		machine_ipi_ack();	/* a kick: the scheduler looks for work on the way out */
	return timer;
}

void trap(struct trapframe *tf)
{
	u32 code = (tf->cause & CA_EXC_MASK) >> CA_EXC_SHIFT;
	int user = (tf->status & ST_KSU_MASK) == ST_KSU_USER;
	struct proc *p = myproc();
	int timer = 0;

	if (!user && code == EXC_DBE && mycpu()->onfault) {
		tf->epc = mycpu()->onfault;	/* a peek32 probe found nothing */
		mycpu()->onfault = 0;
		return;
	}
	if (!user && code != EXC_INT && code != EXC_SYS)
		panic("%s in kernel: epc 0x%x badvaddr 0x%x cause 0x%x", excname[code] ? excname[code] : "exception",
		      tf->epc, tf->badvaddr, tf->cause);

	switch (code) {
	case EXC_INT:
		timer = devintr(tf);
		break;
	case EXC_SYS:
		if (!user) {
			/* a monitor call on the bare machine (the probe): no monitor here */
			tf->regs[R_V0] = 0;
			tf->epc += 4;
			return;
		}
		if (tf->cause & CA_BD) {
			setkilled(p, "syscall in a branch delay slot at", tf->epc);
			break;
		}
		tf->epc += 4;
		intr_on();
		syscall(tf);
		break;
	case EXC_MOD:
	case EXC_TLBL:
	case EXC_TLBS:
		mycpu()->pgfaults++;
		switch (uvm_fault(p, tf->badvaddr, code != EXC_TLBL)) {
		case 0:
			break;
		case -2:
			printf("pid %d %s: out of memory at 0x%x (epc 0x%x); killed\n", p->pid, p->name,
			       tf->badvaddr, tf->epc);
			p->killed = 1;
			break;
		default:
			printf("pid %d %s: segmentation fault: %s at 0x%x (epc 0x%x); killed\n", p->pid, p->name,
			       excname[code], tf->badvaddr, tf->epc);
			p->killed = 1;
		}
		break;
	case EXC_ADEL:
	case EXC_ADES:
		printf("pid %d %s: %s at 0x%x (epc 0x%x); killed\n", p->pid, p->name, excname[code],
		       tf->badvaddr, tf->epc);
		p->killed = 1;
		break;
	default:
		printf("pid %d %s: %s at epc 0x%x; killed\n", p->pid, p->name,
		       code < NELEM(excname) && excname[code] ? excname[code] : "unknown exception", tf->epc);
		p->killed = 1;
		break;
	}

	if (user) {
		if (killed(p))
			exit(-1);
		if (timer)
			yield();
	} else if (timer && p && p->state == RUNNING) {
		yield();	/* preempted in the kernel with interrupts on and no locks held */
	}
}
