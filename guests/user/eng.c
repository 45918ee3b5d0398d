/*
 * eng: the "engineering" workload: long-running processes with large private working sets,
 * like the Disco paper's engineering simulations. Each of P workers relaxes its own 2-D grid
 * (integer Jacobi iterations of a heat equation with fixed sources) for ITERS sweeps; every
 * sweep touches the whole grid, so the working set is the grid.
 *
 *   eng [P] [KIB] [ITERS]    P workers (default: one per CPU), each with KIB KiB of grid
 *                            (two buffers; default 1024), ITERS sweeps (default 8)
 *
 * Output: "eng: P workers x KIB KiB x ITERS sweeps, checksum XXXXXXXX". Worker w's grid
 * depends only on w and the sizes, so the checksum does not depend on scheduling.
 */
#include "user.h"

static u32 relax(int w, int n, int iters)
{
	int *a = (int *)sbrk(n * n * 4);
	int *b = (int *)sbrk(n * n * 4);
	if (a == (int *)-1 || b == (int *)-1) {
		printf("eng: worker %d: no memory\n", w);
		exit(1);
	}
	u32 r = 12345 + w;
	for (int i = 0; i < n * n; i++)
		a[i] = rand_next(&r) & 0xffff;
	for (int it = 0; it < iters; it++) {
		/* fixed hot spots */
		a[(n / 4) * n + n / 4] = 1 << 20;
		a[(3 * n / 4) * n + (n / 2)] = 1 << 19;
		for (int y = 0; y < n; y++) {
			int up = y > 0 ? -n : 0, dn = y < n - 1 ? n : 0;
			int *row = a + y * n, *out = b + y * n;
			out[0] = row[0];
			for (int x = 1; x < n - 1; x++)
				out[x] = (row[x - 1] + row[x + 1] + row[x + up] + row[x + dn] + 4 * row[x]) >> 3;
			out[n - 1] = row[n - 1];
		}
		int *t = a;
		a = b;
		b = t;
	}
	return fnv(FNV_INIT, a, n * n * 4);
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	sysinfo(&si);
	int p = argc > 1 ? atoi(argv[1]) : (int)si.ncpu;
	int kib = argc > 2 ? atoi(argv[2]) : 1024;
	int iters = argc > 3 ? atoi(argv[3]) : 8;
	if (p < 1 || p > 32 || kib < 8 || iters < 1) {
		printf("usage: eng [P] [KIB] [ITERS]\n");
		return 2;
	}
	/* two n x n int grids in kib KiB */
	int n = 1;
	while ((n + 1) * (n + 1) * 8 <= kib * 1024)
		n++;
	mkdir("/eng");
	for (int w = 0; w < p; w++) {
		int pid = fork();
		if (pid < 0) {
			printf("eng: fork failed\n");
			return 1;
		}
		if (pid == 0) {
			if (si.ncpu > 1)
				pin(w % si.ncpu);
			u32 h = relax(w, n, iters);
			char path[32];
			snprintf(path, sizeof path, "/eng/out.%d", w);
			int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
			if (fd < 0 || write(fd, &h, 4) != 4)
				exit(1);
			close(fd);
			exit(0);
		}
	}
	int failed = 0;
	for (int w = 0; w < p; w++) {
		int st;
		if (wait(&st) < 0 || st != 0)
			failed++;
	}
	u32 h = FNV_INIT;
	for (int w = 0; w < p && !failed; w++) {
		char path[32];
		u32 v = 0;
		snprintf(path, sizeof path, "/eng/out.%d", w);
		int fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, &v, 4) != 4)
			failed++;
		close(fd);
		h = fnv32(h, v);
	}
	if (failed) {
		printf("eng: %d workers failed\n", failed);
		return 1;
	}
	printf("eng: %d workers x %d KiB x %d sweeps, checksum %x\n", p, kib, iters, h);
	return 0;
}
