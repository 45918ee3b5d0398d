/* User program entry: exec leaves a0 = argc, a1 = argv, sp with a 16-byte home area. */
	.set	noreorder
	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	jal	main
	nop
	jal	exit
	move	$a0, $v0
1:	b	1b
	nop
	.size	_start, . - _start
