/*
 * malloc/free: a first-fit free list of 8-byte-aligned blocks, carved from sbrk in 64 KiB
 * steps (large requests exactly). Blocks are returned to the list and merged with neighbours.
 */
#include "user.h"

struct hdr {
	struct hdr *next;	/* free list: next block in address order */
	u32 units;		/* size in 8-byte units, header included */
};

static struct hdr base;
static struct hdr *freep;

void free(void *ap)
{
	if (!ap)
		return;
	struct hdr *b = (struct hdr *)ap - 1, *p;
	for (p = freep; !(b > p && b < p->next); p = p->next)
		if (p >= p->next && (b > p || b < p->next))
			break;	/* at one end of the arena */
	if (b + b->units == p->next) {
		b->units += p->next->units;
		b->next = p->next->next;
	} else {
		b->next = p->next;
	}
	if (p + p->units == b) {
		p->units += b->units;
		p->next = b->next;
	} else {
		p->next = b;
	}
	freep = p;
}

static struct hdr *morecore(u32 units)
{
	if (units < 8192)
		units = 8192;
	char *m = sbrk(units * sizeof(struct hdr));
	if (m == (char *)-1)
		return 0;
	struct hdr *h = (struct hdr *)m;
	h->units = units;
	free(h + 1);
	return freep;
}

void *malloc(size_t n)
{
	u32 units = (n + sizeof(struct hdr) - 1) / sizeof(struct hdr) + 1;
	if (!freep) {
		base.next = freep = &base;
		base.units = 0;
	}
	struct hdr *prev = freep;
	for (struct hdr *p = prev->next;; prev = p, p = p->next) {
		if (p->units >= units) {
			if (p->units == units) {
				prev->next = p->next;
			} else {
				p->units -= units;
				p += p->units;
				p->units = units;
			}
			freep = prev;
			return p + 1;
		}
		if (p == freep && !(p = morecore(units)))
			return 0;
	}
}
