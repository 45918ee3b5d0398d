/* Mutual exclusion with ll/sc; holders run with interrupts off on their CPU. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

struct cpu;
struct spinlock {
	volatile u32 locked;
	const char *name;
	struct cpu *cpu;	/* holder */
};

struct sleeplock {
	u32 locked;
	struct spinlock lk;	/* protects locked and pid */
	const char *name;
	int pid;
	int waiters;	/* processes asleep in acquiresleep: skip wakeup when none */
};

#endif
