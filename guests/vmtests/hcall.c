/*
 * hcall: the monitor-call ABI (docs/hypercalls.md) and the privileged-register page
 * (docs/monitor.md), checked from inside a VM. On the bare machine it says so and exits 0.
 * Run with a disk of at least 64 sectors whose sector k starts with the text "sector k"
 * (test/vmm-guests.test.ts makes one) to check the disk calls; without a disk they must fail
 * with ENODEV.
 */
#include "vt.h"

#define HC_PROBE	0
#define HC_CONSOLE_WRITE 1
#define HC_CONSOLE_PUTC	2
#define HC_CONSOLE_GETC	3
#define HC_EXIT		4
#define HC_IDLE		5
#define HC_TIME		6
#define HC_INFO		7
#define HC_ZERO_PAGES	8
#define HC_DISK_INFO	9
#define HC_DISK_READ	10
#define HC_DISK_WRITE	11
#define HC_SHARE_INFO	13
#define HC_NET_SEND	17

#define EFAULT		(-14)
#define ENODEV		(-19)
#define EINVAL		(-22)
#define ENOSYS		(-38)

#define PRIV		((volatile u32 *)0xD0000000u)

static char buf[8192] __attribute__((aligned(8192)));	/* one TLB pair */

static void console_calls(void)
{
	printf("# console\n");
	static const char msg[] = "written by console_write\n";
	struct hc r = hcall(HC_CONSOLE_WRITE, (u32)msg, sizeof msg - 1, 0, 0);
	checkx(r.v0, sizeof msg - 1, "console_write (window address) returns the length");
	r = hcall(HC_CONSOLE_WRITE, W2P(msg), sizeof msg - 1, 0, 0);
	checkx(r.v0, sizeof msg - 1, "console_write (physical address)");
	r = hcall(HC_CONSOLE_WRITE, KSEG0(W2P(msg)), sizeof msg - 1, 0, 0);
	checkx(r.v0, sizeof msg - 1, "console_write (kseg0 alias)");
	hcall(HC_CONSOLE_PUTC, '!', 0, 0, 0);
	hcall(HC_CONSOLE_PUTC, '\n', 0, 0, 0);
	checkx(hcall(HC_CONSOLE_WRITE, 0xe0000000u, 4, 0, 0).v0, (u32)EFAULT, "console_write outside guest memory: EFAULT");
	checkx(hcall(HC_CONSOLE_WRITE, vt_memsize - 2, 4, 0, 0).v0, (u32)EFAULT, "console_write across the end of memory: EFAULT");
	checkx(hcall(HC_CONSOLE_WRITE, (u32)msg, 0xffffffffu, 0, 0).v0, (u32)EINVAL, "console_write of 4 GiB: EINVAL");
	checkx(hcall(HC_CONSOLE_GETC, 0, 0, 0, 0).v0, 0xffffffffu, "console_getc: no input");
}

static void info_and_time(void)
{
	printf("# info and time\n");
	checkx(hcall(HC_INFO, 0, 0, 0, 0).v0, vt_memsize, "info: memory bytes = a3 at boot");
	checkx(hcall(HC_INFO, 1, 0, 0, 0).v0, 1, "info: one VCPU");
	checkx(hcall(HC_INFO, 2, 0, 0, 0).v0, 0, "info: VCPU 0");
	checkx(hcall(HC_INFO, 3, 0, 0, 0).v0, 200, "info: 200 MHz");
	checkx(hcall(HC_INFO, 99, 0, 0, 0).v0, (u32)EINVAL, "info: unknown selector");
	struct hc t0 = hcall(HC_TIME, 0, 0, 0, 0);
	for (volatile int i = 0; i < 1000; i++)
		;
	struct hc t1 = hcall(HC_TIME, 0, 0, 0, 0);
	check(t1.v1 > t0.v1 || (t1.v1 == t0.v1 && t1.v0 > t0.v0 + 1000), "time advances by at least the instructions run");
}

static void zero_pages(void)
{
	printf("# zero pages\n");
	volatile u32 *p = (volatile u32 *)buf;
	for (int i = 0; i < 2048; i++)
		p[i] = 0xdeadbeef;
	u32 held = hcall(HC_SHARE_INFO, 1, 0, 0, 0).v0;
	checkx(hcall(HC_ZERO_PAGES, (u32)buf, 2, 0, 0).v0, 0, "zero_pages of two pages");
	u32 after = hcall(HC_SHARE_INFO, 1, 0, 0, 0).v0;
	/* the odd page of the pair only: the even one is not brought back with it */
	p[1024] = 7;
	u32 one = hcall(HC_SHARE_INFO, 1, 0, 0, 0).v0;
	u32 any = 0;
	for (int i = 0; i < 1024; i++)
		any |= p[i];
	u32 both = hcall(HC_SHARE_INFO, 1, 0, 0, 0).v0;
	checkx(held - after, 2, "share_info 1: the footprint drops by the two pages given back");
	checkx(one - after, 1, "... touching one page of a TLB pair brings back that page only");
	checkx(both - after, 2, "... and reading the other brings it back too");
	checkx(any, 0, "... which now read as zero");
	p[5] = 42;
	checkx(p[5], 42, "... and are writable again");
	checkx(hcall(HC_ZERO_PAGES, (u32)buf + 4, 1, 0, 0).v0, (u32)EINVAL, "zero_pages unaligned: EINVAL");
	checkx(hcall(HC_ZERO_PAGES, vt_memsize - 4096, 2, 0, 0).v0, (u32)EFAULT, "zero_pages past the end: EFAULT");
	checkx(hcall(HC_ZERO_PAGES, 0, 0x7fffffff, 0, 0).v0, (u32)EINVAL, "zero_pages of 2^31 pages: EINVAL");
}

static void disk_calls(void)
{
	printf("# disk\n");
	struct hc r = hcall(HC_DISK_INFO, 0, 0, 0, 0);
	if (r.v0 == (u32)ENODEV) {
		checkx(hcall(HC_DISK_READ, 0, 1, (u32)buf, 0).v0, (u32)ENODEV, "no disk: disk_read ENODEV");
		return;
	}
	check(r.v0 >= 64 && r.v1 == 512, "disk_info: sectors and sector size");
	u32 sectors = r.v0;
	checkx(hcall(HC_DISK_READ, 3, 2, (u32)buf, 0).v0, 0, "disk_read of sectors 3..4");
	buf[8] = 0;
	buf[512 + 8] = 0;
	printf("read \"%s\" and \"%s\"\n", buf, buf + 512);
	memcpy(buf, "written!", 9);
	checkx(hcall(HC_DISK_WRITE, 7, 1, (u32)buf, 0).v0, 0, "disk_write of sector 7");
	memset(buf, 0, 16);
	checkx(hcall(HC_DISK_READ, 7, 1, W2P(buf), 0).v0, 0, "disk_read it back (physical address)");
	printf("sector 7 now \"%s\"\n", buf);
	checkx(hcall(HC_DISK_READ, sectors - 1, 2, (u32)buf, 0).v0, (u32)EINVAL, "disk_read past the end of the disk: EINVAL");
	checkx(hcall(HC_DISK_READ, 0, 0, (u32)buf, 0).v0, (u32)EINVAL, "disk_read of 0 sectors: EINVAL");
	checkx(hcall(HC_DISK_READ, 0, 4096, (u32)buf, 0).v0, (u32)EINVAL, "disk_read of 2 MiB: EINVAL");
	checkx(hcall(HC_DISK_READ, 0, 8, vt_memsize - 1024, 0).v0, (u32)EFAULT, "disk_read into memory past the end: EFAULT");
	checkx(hcall(HC_DISK_WRITE, 0, 1, 0xf0000000u, 0).v0, (u32)EFAULT, "disk_write from a non-memory address: EFAULT");
}

static void idle_call(void)
{
	printf("# idle\n");
	/* interrupts off, timer unmasked: idle returns once the timer is pending */
	mtc0(12, 0, ST_IM(7));
	mtc0(11, 0, mfc0(9, 0) + 5000);
	checkx(hcall(HC_IDLE, 0, 0, 0, 0).v0, 0, "idle returns 0");
	checkx(mfc0(13, 0) & CA_TI, CA_TI, "... when the timer is pending");
	mtc0(11, 0, 0);
	mtc0(12, 0, 0);
}

static void unknown_calls(void)
{
	printf("# unknown and unsupported\n");
	checkx(hcall(0x1234, 1, 2, 3, 4).v0, (u32)ENOSYS, "unknown function: ENOSYS");
	checkx(hcall(0xffff, 0, 0, 0, 0).v0, (u32)ENOSYS, "function 0xffff: ENOSYS");
	checkx(hcall(HC_NET_SEND, 0, 0xfffffff0u, 0, 0).v0, (u32)EFAULT, "net_send, descriptor outside the VM: EFAULT");
	checkx(hcall(20, 0, 0, 0, 0).v0, (u32)ENOSYS, "reserved network function 20: ENOSYS");
	checkx(hcall(HC_SHARE_INFO, 2, 0, 0, 0).v0, (u32)EINVAL, "share_info 2: EINVAL");
	/* a kernel-mode syscall outside the monitor-call range is the guest's own Sys exception */
	vt_action = ACT_SKIP;
	u32 n = vt_last.count;
	register u32 v0 __asm__("$2") = 1234;
	__asm__ __volatile__("syscall" : "+r"(v0) :: "memory");
	checkx(vt_last.count - n, 1, "syscall with v0 = 1234 reaches the guest's handler");
	checkx(LAST_CODE(), EXC_SYS, "... as a Sys exception");
}

static void priv_page(void)
{
	printf("# privileged-register page at 0xD0000000\n");
	checkx(PRIV[0x38 / 4], 0x50435344, "magic");
	checkx(PRIV[0x34 / 4], 0, "VCPU number");
	mtc0(12, 0, ST_IM(3));
	mtc0(14, 0, 0xc0012340);
	checkx(PRIV[0x00 / 4], ST_IM(3), "Status mirrored");
	checkx(PRIV[0x08 / 4], 0xc0012340, "EPC mirrored");
	PRIV[0x08 / 4] = 0xc0055550;	/* EPC is read-write: mfc0 sees the store */
	checkx(mfc0(14, 0), 0xc0055550, "EPC written through the page");
	PRIV[0x14 / 4] = 0x1234567;	/* EntryLo0 */
	checkx(mfc0(2, 0), 0x1234567, "EntryLo0 written through the page");
	PRIV[0x00 / 4] = 0xefff00e4 | ST_IM(3);	/* read-only there but for CU0, IM, KSU, EXL, IE */
	checkx(mfc0(12, 0), ST_IM(3), "Status is read-only in the page");
	checkx(PRIV[0x00 / 4], ST_IM(3), "... and mirrored again after the trap");
	PRIV[0x00 / 4] = ST_IM(3) | ST_KSU_USER | ST_EXL;	/* a trap return's Status, as mtc0 would */
	checkx(mfc0(12, 0), ST_IM(3) | ST_KSU_USER | ST_EXL, "EXL and KSU written through the page");
	PRIV[0x00 / 4] = ST_IM(3);
	checkx(mfc0(12, 0), ST_IM(3), "... and cleared through the page");
	/* IE through the page (paravirtual interrupt masking): a pending interrupt is taken at the
	   next trap; the pending word tells the guest to make one */
	mtc0(12, 0, ST_IM(0));
	mtc0(13, 0, CA_IP(0));
	checkx(PRIV[0x3c / 4], CA_IP(0), "pending word shows the masked-in software interrupt");
	u32 before = vt_softints;
	PRIV[0x00 / 4] = ST_IM(0) | ST_IE;	/* enable through the page: no trap yet */
	checkx(vt_softints - before, 0, "IE set through the page: nothing taken without a trap");
	__asm__ __volatile__("ei" ::: "memory");	/* the trap the pending word asks for */
	checkx(vt_softints - before, 1, "... taken at the next trap");
	checkx(mfc0(12, 0) & ST_IE, ST_IE, "IE set through the page is the guest's Status.IE");
	PRIV[0x00 / 4] = ST_IM(0);
	checkx(mfc0(12, 0) & ST_IE, 0, "IE cleared through the page");
	mtc0(11, 0, 777);
	checkx(PRIV[0x2c / 4], 777, "Compare mirrored");
	mtc0(12, 0, 0);
	/* the odd page of the pair is not mapped: a TLB refill for the guest */
	vt_action = ACT_SKIP;
	u32 v = *(volatile u32 *)0xD0001000u;
	(void)v;
	checkx(LAST_CODE(), EXC_TLBL, "0xD0001000 is unmapped");
}

int main(void)
{
	if (!under_monitor()) {
		printf("hcall: not under the monitor\n");
		return 0;
	}
	struct hc r = hcall(HC_PROBE, 0, 0, 0, 0);
	printf("hcall: probe 0x%08x version %u\n", r.v0, r.v1);
	console_calls();
	info_and_time();
	zero_pages();
	disk_calls();
	idle_call();
	unknown_calls();
	priv_page();
	printf("hcall: %d failure(s)\n", vt_failures);
	hcall(HC_EXIT, vt_failures ? 1 : 0, 0, 0, 0);
	return 2;
}
