/*
 * wc: count the lines, words and bytes of the standard input (the console: under the monitor
 * the VM's console input, `disco run --console-input VM`; on the bare machine there is none)
 * until its end, with their FNV-1a checksum.
 *
 *   wc      Output: "wc: L lines, W words, B bytes, fnv XXXXXXXX"
 */
#include "user.h"

int main(void)
{
	static char buf[512];
	u32 lines = 0, words = 0, bytes = 0, h = FNV_INIT;
	int inword = 0, n;
	while ((n = read(0, buf, sizeof buf)) > 0) {
		h = fnv(h, buf, n);
		bytes += n;
		for (int i = 0; i < n; i++) {
			char c = buf[i];
			if (c == '\n')
				lines++;
			if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
				inword = 0;
			} else if (!inword) {
				inword = 1;
				words++;
			}
		}
	}
	printf("wc: %u lines, %u words, %u bytes, fnv %x\n", lines, words, bytes, h);
	return n < 0 ? 1 : 0;
}
