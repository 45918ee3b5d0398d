/*
 * The network driver: the disco monitor's virtual subnet (docs/network.md, docs/hypercalls.md
 * "Virtual subnet"), reached by monitor calls. A message is a header of at most 256 bytes and
 * an optional data part of at most one page; a whole page-aligned page is remapped by the
 * monitor instead of copied (Disco SOSP '97 4.2.6), so every receive gets a fresh page-aligned
 * data page.
 *
 * Receipt is shared by every consumer (the NFS server loop, NFS client calls): net_wait()
 * returns the first received message a caller's match function accepts, pulling more from the
 * monitor as needed into a pool of NRXSLOT slots; the others stay for their consumers. With
 * nothing to pull, the caller enables the receive interrupt (virtual IP4, level: pending
 * messages) and sleeps; the interrupt handler masks it again and wakes the sleepers. The
 * interrupt is taken under netlock, so a wakeup cannot fall between a check and the sleep.
 * On the bare machine (no monitor) there is no network: every call fails.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "proc.h"
#include "syscall.h"
#include "net.h"
#include "defs.h"

#define HC_NET_INFO	(HCALL_BASE + 16)
#define HC_NET_SEND	(HCALL_BASE + 17)
#define HC_NET_RECV	(HCALL_BASE + 18)
#define HC_NET_CTL	(HCALL_BASE + 19)
#define EAGAIN		11

#define NRXSLOT		32	/* received messages waiting for their consumer */

static struct spinlock netlock;
static struct netmsg slots[NRXSLOT];
static int present;		/* the monitor has a subnet */
static u32 myaddr, nhosts;
static u32 spare;		/* a free page for the next receive (window address), or 0 */
static u32 wake_at;		/* earliest deadline (ticks) of a sleeping net_wait_until, or 0 */
static struct {
	u32 sent, received, remapped, dropped, again;
} st;

static u32 hcall(u32 fn, u32 a0, u32 a1, u32 *v1out)
{
	register u32 v0 __asm__("$2") = fn;
	register u32 v1 __asm__("$3") = 0;
	register u32 r4 __asm__("$4") = a0, r5 __asm__("$5") = a1;
	__asm__ __volatile__("syscall" : "+r"(v0), "+r"(v1) : "r"(r4), "r"(r5) : "memory");
	if (v1out)
		*v1out = v1;
	return v0;
}

void net_init(void)
{
	initlock(&netlock, "net");
	if (!machine_monitor)
		return;
	u32 n;
	int a = (int)hcall(HC_NET_INFO, 0, 0, &n);
	if (a < 0)
		return;
	myaddr = a;
	nhosts = n;
	present = 1;
	/* the same line in every VM (runs compare VMs' consoles); netinfo tells the address */
	printf("net: on the monitor's virtual subnet\n");
}

int net_present(void)
{
	return present;
}

u32 net_addr(void)
{
	return myaddr;
}

u32 net_hosts(void)
{
	return nhosts;
}

/* Send hdr (hlen bytes) and data (dlen bytes, may be 0) to dst. 0, or a negative error. */
int net_send(u32 dst, const void *hdr, u32 hlen, const void *data, u32 dlen)
{
	if (!present)
		return -1;
	u32 desc[4] = { V2P(hdr), hlen, dlen ? V2P(data) : 0, dlen };
	for (;;) {
		int r = (int)hcall(HC_NET_SEND, dst, V2P(desc), 0);
		if (r != -EAGAIN) {
			if (r == 0)
				st.sent++;
			return r;
		}
		/* the receiver's queue for us is full: let it drain */
		st.again++;
		struct proc *p = myproc();
		if (!p || killed(p))
			return r;
		acquire(&tickslock);
		sleep(&ticks, &tickslock);
		release(&tickslock);
	}
}

/*
 * Drop a reference to a received page. kfree's last reference gives the page back to the
 * monitor (kalloc.c) and never writes to it: a shared page remapped by the monitor is
 * unmapped, not copied.
 */
void net_free_page(void *page)
{
	kfree(page);
}

/* Pull one message from the monitor into a free slot; 1 if one came. Holds netlock. */
static int pull(void)
{
	struct netmsg *m = 0;
	for (int i = 0; i < NRXSLOT; i++) {
		if (!slots[i].busy) {
			m = &slots[i];
			break;
		}
	}
	if (!m) {
		/* every slot waits for a consumer that is not there: drop the oldest */
		m = &slots[0];
		for (int i = 1; i < NRXSLOT; i++)
			if (slots[i].seq < m->seq)
				m = &slots[i];
		if (m->page)
			net_free_page(m->page);
		m->busy = 0;
		m->page = 0;
		st.dropped++;
	}
	if (!spare)
		spare = (u32)kalloc();
	if (!spare)
		return 0;
	u32 desc[8] = { V2P(m->hdr), sizeof m->hdr, V2P(spare), PGSIZE, 0, 0, 0, 0 };
	int r = (int)hcall(HC_NET_RECV, V2P(desc), 0, 0);
	if (r != 0)
		return 0;
	static u32 seq;
	m->busy = 1;
	m->seq = ++seq;
	m->src = desc[4];
	m->hlen = desc[5];
	m->dlen = desc[6];
	m->remapped = desc[7] & 1;
	m->page = 0;
	if (m->dlen) {
		m->page = (void *)spare;
		spare = 0;
	}
	st.received++;
	st.remapped += m->remapped;
	return 1;
}

/*
 * The first received message that match(m, arg) accepts, taken from the pool; sleeps until
 * one comes. The caller owns it until net_done(). Returns 0 if the caller was killed.
 */
struct netmsg *net_wait(int (*match)(struct netmsg *, void *), void *arg)
{
	return net_wait_until(match, arg, 0);
}

/*
 * net_wait, giving up when the tick count reaches deadline (0: never): 0 then, as when the
 * process is killed. The timer (net_tick) wakes the sleepers at the earliest deadline only.
 */
struct netmsg *net_wait_until(int (*match)(struct netmsg *, void *), void *arg, u32 deadline)
{
	acquire(&netlock);
	for (;;) {
		struct netmsg *best = 0;
		for (int i = 0; i < NRXSLOT; i++) {
			struct netmsg *m = &slots[i];
			if (m->busy == 1 && match(m, arg) && (!best || m->seq < best->seq))
				best = m;
		}
		if (best) {
			best->busy = 2;
			release(&netlock);
			return best;
		}
		if (pull()) {
			wakeup(&slots);	/* it may be someone else's */
			continue;
		}
		struct proc *p = myproc();
		if (killed(p) || (deadline && (int)(ticks - deadline) >= 0)) {
			release(&netlock);
			return 0;
		}
		if (deadline && (!wake_at || (int)(deadline - wake_at) < 0))
			wake_at = deadline;
		hcall(HC_NET_CTL, 1, 0, 0);	/* interrupt when something waits */
		sleep(&slots, &netlock);
	}
}

/* The clock (CPU 0's tick, trap.c): wake net_wait_until's sleepers once a deadline passed. */
void net_tick(u32 now)
{
	if (!wake_at)
		return;
	acquire(&netlock);
	if (wake_at && (int)(now - wake_at) >= 0) {
		wake_at = 0;	/* the sleepers set it again as they go back to sleep */
		wakeup(&slots);
	}
	release(&netlock);
}

/* Throw away every received message nobody has taken that match accepts; how many. */
int net_drop(int (*match)(struct netmsg *, void *), void *arg)
{
	int n = 0;
	acquire(&netlock);
	for (int i = 0; i < NRXSLOT; i++) {
		struct netmsg *m = &slots[i];
		if (m->busy == 1 && match(m, arg)) {
			m->busy = 2;
			release(&netlock);
			net_done(m);
			acquire(&netlock);
			st.dropped++;
			n++;
		}
	}
	release(&netlock);
	return n;
}

/* The consumer is done with m; its data page goes with it unless taken (m->page = 0). */
void net_done(struct netmsg *m)
{
	acquire(&netlock);
	if (m->page) {
		if (!spare && !m->remapped)
			spare = (u32)m->page;	/* a copied page is ours alone: reuse it */
		else
			net_free_page(m->page);
	}
	m->page = 0;
	m->busy = 0;
	release(&netlock);
}

/* Receive interrupt (IP4 of CPU 0): mask it and wake the receivers, who pull. */
void net_intr(void)
{
	acquire(&netlock);
	hcall(HC_NET_CTL, 0, 0, 0);
	wakeup(&slots);
	release(&netlock);
}

/* netinfo(sel) system call: 0 address, 1 hosts, 2 messages sent, 3 received, 4 of them
 * remapped, 5 dropped (no consumer), 6 sends retried (receiver's queue full); -1 without a net. */
int net_info(int sel)
{
	if (!present)
		return -1;
	switch (sel) {
	case 0: return myaddr;
	case 1: return nhosts;
	case 2: return st.sent;
	case 3: return st.received;
	case 4: return st.remapped;
	case 5: return st.dropped;
	case 6: return st.again;
	default: return -1;
	}
}
