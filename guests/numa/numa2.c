/*
 * numa2.elf: guests/numa/numa.c with the pmake and database patterns compiled in (NUMA_MORE);
 * `disco numa --workload pmake|database` runs it (docs/numa.md). numa.elf is built without
 * them so that its code and data lie exactly where they did for the published figures.
 */
#define NUMA_MORE 1
#include "numa.c"
