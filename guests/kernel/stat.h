/* fstat() result; shared with user programs. */
#ifndef KERNEL_STAT_H
#define KERNEL_STAT_H

#define T_DIR	1
#define T_FILE	2
#define T_DEV	3

struct stat {
	int dev;
	unsigned int ino;
	short type;
	short nlink;
	unsigned int size;
};

#endif
