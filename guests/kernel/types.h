/* Basic types for the kernel (MIPS32 o32: int, long and pointers are 32 bits). */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long long u64;
typedef unsigned int size_t;
typedef u32 pte_t;	/* an EntryLo value plus software bits, see memlayout.h */

#define NULL ((void *)0)

#endif
