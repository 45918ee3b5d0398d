/*
 * demo: what `disco run guests/kernel/kernel.elf --disk guests/user/fs.img` shows by default:
 * the machine, a small raytraced picture drawn on the console by parallel workers, and a
 * small parallel make.
 */
#include "user.h"

static int run(char **argv)
{
	char path[64];
	snprintf(path, sizeof path, "/bin/%s", argv[0]);
	int pid = fork();
	if (pid == 0) {
		exec(path, argv);
		exit(127);
	}
	int st = -1;
	wait(&st);
	return st;
}

int main(void)
{
	struct sysinfo si;
	sysinfo(&si);
	printf("demo: %u CPU, %u MiB, %u free pages, %s\n", si.ncpu, si.memsize >> 20, si.freepages,
	       si.monitor ? "under the monitor" : "bare machine");
	char *rt[] = { "rt", "-a", "72", "28", "12", 0 };
	char *pm[] = { "pmake", "6", "4", 0 };
	int t0 = clock();
	if (run(rt) != 0 || run(pm) != 0)
		return 1;
	printf("demo: done in %d ms of simulated time\n", clock() - t0);
	return 0;
}
