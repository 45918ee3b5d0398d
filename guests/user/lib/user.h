/* The user-side C library: system calls (usys.S) and helpers (ulib.c, printf.c, umalloc.c). */
#ifndef USER_H
#define USER_H

#include "stat.h"
#include "fcntl.h"
#include "syscall.h"

typedef unsigned int uint;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned char u8;
typedef unsigned int size_t;
#define NULL ((void *)0)

/* system calls */
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int *status);
int getpid(void);
char *sbrk(int n);
int read(int fd, void *buf, int n);
int write(int fd, const void *buf, int n);
int open(const char *path, int flags);
int close(int fd);
int exec(const char *path, char **argv);
int clock(void);
int sleep(int ms);
int fstat(int fd, struct stat *st);
int unlink(const char *path);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int lseek(int fd, int off, int whence);
int kill(int pid);
int pin(int cpu);
int sysinfo(struct sysinfo *si);

/* ulib.c */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *d, const char *s);
char *strchr(const char *s, int c);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int atoi(const char *s);
int stat(const char *path, struct stat *st);
u64 cycles(void);	/* rdhwr CC: Count register, scaled to CPU cycles */
int cpuid(void);	/* rdhwr CPUNum */

/* printf.c */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* umalloc.c */
void *malloc(size_t n);
void free(void *p);

/* a small deterministic generator (xorshift32) shared by tests and workloads */
static inline u32 rand_next(u32 *s)
{
	u32 x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* FNV-1a, the checksum every workload prints */
#define FNV_INIT 2166136261u
static inline u32 fnv(u32 h, const void *p, int n)
{
	const u8 *b = p;
	for (int i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}
static inline u32 fnv32(u32 h, u32 w)
{
	return fnv(h, &w, 4);
}

#endif
