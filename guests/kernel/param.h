/* Kernel limits. Sizes of static tables; raise them here only. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NCPU		8	/* CPUs the kernel has per-CPU state for */
#define NPROC		64	/* process table */
#define NOFILE		16	/* open files per process */
#define NFILE		128	/* open files in the system */
#define NINODE		64	/* in-memory inode cache */
/* buffer cache blocks (4 KiB each): one per BUF_PAGES pages of memory (32 MiB: 128) */
#define BUF_PAGES	64
#define NBUF_MIN	32
#define NBUF_MAX	1024
#define MAXARG		32	/* exec arguments */
#define MAXARGLEN	1024	/* bytes of all exec argument strings */
#define MAXPATH		128	/* path names */
#define KSTACKSIZE	8192	/* kernel stack per process */
#define HZ		1000	/* timer ticks per second of simulated time */
#define CPU_HZ		200000000u	/* nominal clock: disco's timing-mode default (--clock-mhz 200) */
#define TICK_COUNT	(CPU_HZ / 2 / HZ)	/* Count increments per tick (Count = cycles / 2) */
#define ROOTDEV		1

#endif
