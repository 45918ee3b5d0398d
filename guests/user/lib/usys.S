/* System call stubs: v0 = number, arguments already in a0..a3, result in v0. */
#include "syscall.h"

	.set	noreorder
	.text

#define SYSCALL(name) \
	.globl	name; \
	.type	name, @function; \
name: \
	li	$v0, SYS_ ## name; \
	syscall; \
	jr	$ra; \
	nop; \
	.size	name, . - name

SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(getpid)
SYSCALL(sbrk)
SYSCALL(read)
SYSCALL(write)
SYSCALL(open)
SYSCALL(close)
SYSCALL(exec)
SYSCALL(clock)
SYSCALL(sleep)
SYSCALL(fstat)
SYSCALL(unlink)
SYSCALL(mkdir)
SYSCALL(chdir)
SYSCALL(dup)
SYSCALL(lseek)
SYSCALL(kill)
SYSCALL(pin)
SYSCALL(sysinfo)
