/* Sleeping locks: held across disk I/O (buffers, inodes). */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

void initsleeplock(struct sleeplock *lk, const char *name)
{
	initlock(&lk->lk, "sleep lock");
	lk->name = name;
	lk->locked = 0;
	lk->pid = 0;
	lk->waiters = 0;
}

void acquiresleep(struct sleeplock *lk)
{
	acquire(&lk->lk);
	while (lk->locked) {
		lk->waiters++;
		sleep(lk, &lk->lk);
		lk->waiters--;
	}
	lk->locked = 1;
	lk->pid = myproc() ? myproc()->pid : 0;
	release(&lk->lk);
}

void releasesleep(struct sleeplock *lk)
{
	acquire(&lk->lk);
	lk->locked = 0;
	lk->pid = 0;
	if (lk->waiters)
		wakeup(lk);
	release(&lk->lk);
}

int holdingsleep(struct sleeplock *lk)
{
	acquire(&lk->lk);
	int r = lk->locked && lk->pid == (myproc() ? myproc()->pid : 0);
	release(&lk->lk);
	return r;
}
