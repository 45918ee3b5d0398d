/*
 * rt: the "raytrace" workload: a parallel renderer over read-shared scene data, like the
 * SPLASH-2 raytrace run in the Disco paper. The parent builds the scene (spheres and a
 * 256 KiB texture table) and forks one worker per CPU; after fork the scene pages are shared
 * read-only by all workers (copy-on-write, never written). Worker k renders the rows
 * y = k, k + P, ... (disjoint) into /rt/part.k; the parent assembles the image in row order,
 * writes /rt/image.pgm and prints its checksum. Integer fixed-point arithmetic (the machine
 * has no FPU), a checkerboard floor, shadows and reflections.
 *
 *   rt [-a] [W] [H] [SPHERES] [P]    default 64 x 48 pixels, 24 spheres, one worker per CPU;
 *                                    -a also draws the image on the console
 */
#include "user.h"

typedef int fx;	/* fixed point, 12 fraction bits */
typedef long long s64;
typedef unsigned long long u64;
#define FB 12
#define ONE (1 << FB)

struct vec { fx x, y, z; };
struct sphere { struct vec c; fx r; fx r2; int albedo; int refl; };

#define TEXN (64 * 1024)
static struct sphere *scene;
static int nspheres;
static u32 *texture;	/* TEXN words, read-shared after fork */
static struct vec light;	/* unit vector towards the light */

static fx mul(fx a, fx b) { return (fx)(((s64)a * b) >> FB); }
static s64 dot_raw(struct vec a, struct vec b) { return (s64)a.x * b.x + (s64)a.y * b.y + (s64)a.z * b.z; }
static fx dot(struct vec a, struct vec b) { return (fx)(dot_raw(a, b) >> FB); }
static struct vec sub(struct vec a, struct vec b) { return (struct vec){ a.x - b.x, a.y - b.y, a.z - b.z }; }
static struct vec add(struct vec a, struct vec b) { return (struct vec){ a.x + b.x, a.y + b.y, a.z + b.z }; }
static struct vec scale(struct vec a, fx s) { return (struct vec){ mul(a.x, s), mul(a.y, s), mul(a.z, s) }; }

static u32 isqrt64(u64 v)
{
	u64 r = 0, bit = 1ull << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (u32)r;
}

static struct vec normalize(struct vec a)
{
	fx len = (fx)isqrt64((u64)dot_raw(a, a));	/* sqrt of FB*2 bits = FB bits */
	if (len == 0)
		return a;
	return (struct vec){ (fx)(((s64)a.x << FB) / len), (fx)(((s64)a.y << FB) / len), (fx)(((s64)a.z << FB) / len) };
}

/* Nearest hit along o + t d (d unit) beyond tmin: sphere index or -1, and t. */
static int intersect(struct vec o, struct vec d, fx tmin, fx *tout)
{
	int best = -1;
	fx bt = 0x7fffffff;
	for (int i = 0; i < nspheres; i++) {
		struct sphere *s = &scene[i];
		struct vec oc = sub(o, s->c);
		fx b = dot(oc, d);
		s64 disc = ((s64)b * b >> FB) - (dot(oc, oc) - s->r2);
		if (disc < 0)
			continue;
		fx sq = (fx)isqrt64((u64)disc << FB);
		fx t = -b - sq;
		if (t < tmin)
			t = -b + sq;
		if (t >= tmin && t < bt) {
			bt = t;
			best = i;
		}
	}
	*tout = bt;
	return best;
}

/* The floor: the plane y = -1, a checkerboard. Returns t or -1. */
static fx floor_hit(struct vec o, struct vec d, fx tmin)
{
	if (d.y >= 0)
		return -1;
	fx t = (fx)(((s64)(-ONE - o.y) << FB) / d.y);
	return t >= tmin ? t : -1;
}

/* Brightness 0..255 seen along o + t d. */
static int trace(struct vec o, struct vec d, int depth)
{
	fx t;
	int i = intersect(o, d, ONE / 64, &t);
	fx tf = floor_hit(o, d, ONE / 64);
	if (i < 0 && tf < 0)
		return 20 + (d.y > 0 ? mul(d.y, 60 << FB) >> FB : 0);	/* sky */
	struct vec p, n;
	int albedo, refl;
	if (i >= 0 && (tf < 0 || t < tf)) {
		struct sphere *s = &scene[i];
		p = add(o, scale(d, t));
		n = normalize(sub(p, s->c));
		albedo = s->albedo;
		refl = s->refl;
	} else {
		p = add(o, scale(d, tf));
		n = (struct vec){ 0, ONE, 0 };
		albedo = (((p.x >> FB) + (p.z >> FB)) & 1) ? 230 : 70;
		refl = 48;
	}
	/* texture: the shared table, indexed by the hit point's grid cell */
	u32 cell = (u32)((p.x >> (FB - 2)) * 73856093) ^ (u32)((p.y >> (FB - 2)) * 19349663) ^
		   (u32)((p.z >> (FB - 2)) * 83492791);
	int tex = 224 + (texture[cell & (TEXN - 1)] & 31);
	p = add(p, scale(n, ONE / 32));	/* leave the surface before casting more rays */
	fx lambert = dot(n, light);
	int c = 24;
	if (lambert > 0) {
		fx ts;
		if (intersect(p, light, ONE / 32, &ts) < 0)	/* shadow ray */
			c += (int)(((s64)lambert * albedo * tex) >> (FB + 8));
	}
	if (depth < 2 && refl) {
		struct vec r = sub(d, scale(n, 2 * dot(d, n)));
		c = (c * (256 - refl) + trace(p, normalize(r), depth + 1) * refl) >> 8;
	}
	return c > 255 ? 255 : c;
}

static void build_scene(int n)
{
	u32 r = 2024;
	nspheres = n;
	scene = malloc((n + 1) * sizeof *scene);
	for (int i = 0; i < nspheres; i++) {
		struct sphere *s = &scene[i];
		s->c.x = (int)(rand_next(&r) % 24 << FB) - (12 << FB);
		s->c.z = (int)(rand_next(&r) % 30 << FB) + (8 << FB);
		s->r = (fx)(ONE / 2 + rand_next(&r) % (2 * ONE));
		s->c.y = s->r - ONE;
		s->albedo = 120 + rand_next(&r) % 136;
		s->refl = (rand_next(&r) % 4 == 0) ? 128 : 0;
	}
	for (int i = 0; i < nspheres; i++)
		scene[i].r2 = (fx)(((s64)scene[i].r * scene[i].r) >> FB);
	texture = malloc(TEXN * 4);
	for (int i = 0; i < TEXN; i++)
		texture[i] = rand_next(&r);
	light = normalize((struct vec){ -ONE, 2 * ONE, -ONE });
}

static void render_row(int y, int w, int h, u8 *out)
{
	struct vec eye = { 0, 2 * ONE, -6 * ONE };
	for (int x = 0; x < w; x++) {
		struct vec d = { ((2 * x - w) << FB) / w, ((h - 2 * y) << FB) / w - ONE / 3, (fx)(ONE * 3 / 2) };
		out[x] = (u8)trace(eye, normalize(d), 0);
	}
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	sysinfo(&si);
	int ascii = 0, ai = 1;
	if (argc > 1 && strcmp(argv[1], "-a") == 0)
		ascii = 1, ai = 2;
	int w = argc > ai ? atoi(argv[ai]) : 64;
	int h = argc > ai + 1 ? atoi(argv[ai + 1]) : 48;
	int ns = argc > ai + 2 ? atoi(argv[ai + 2]) : 24;
	int p = argc > ai + 3 ? atoi(argv[ai + 3]) : (int)si.ncpu;
	if (w < 1 || w > 4096 || h < 1 || ns < 0 || p < 1 || p > 32) {
		printf("usage: rt [-a] [W] [H] [SPHERES] [P]\n");
		return 2;
	}
	build_scene(ns);
	mkdir("/rt");
	u8 *row = malloc(w);
	for (int k = 0; k < p; k++) {
		int pid = fork();
		if (pid < 0) {
			printf("rt: fork failed\n");
			return 1;
		}
		if (pid == 0) {
			if (si.ncpu > 1)
				pin(k % si.ncpu);
			char path[32];
			snprintf(path, sizeof path, "/rt/part.%d", k);
			int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
			if (fd < 0)
				exit(1);
			for (int y = k; y < h; y += p) {
				render_row(y, w, h, row);
				if (write(fd, row, w) != w)
					exit(1);
			}
			close(fd);
			exit(0);
		}
	}
	int failed = 0;
	for (int k = 0; k < p; k++) {
		int st;
		if (wait(&st) < 0 || st != 0)
			failed++;
	}
	if (failed) {
		printf("rt: %d workers failed\n", failed);
		return 1;
	}
	/* assemble in row order */
	int parts[32];
	for (int k = 0; k < p; k++) {
		char path[32];
		snprintf(path, sizeof path, "/rt/part.%d", k);
		parts[k] = open(path, O_RDONLY);
	}
	int img = open("/rt/image.pgm", O_CREATE | O_WRONLY | O_TRUNC);
	char hdr[32];
	int hl = snprintf(hdr, sizeof hdr, "P5\n%d %d\n255\n", w, h);
	write(img, hdr, hl);
	u32 sum = FNV_INIT;
	for (int y = 0; y < h; y++) {
		if (read(parts[y % p], row, w) != w) {
			printf("rt: short part file\n");
			return 1;
		}
		sum = fnv(sum, row, w);
		write(img, row, w);
		if (ascii) {
			static const char shades[] = " .:-=+*#%@";
			char line[160];
			int n = 0;
			for (int x = 0; x < w && n < 158; x++)
				line[n++] = shades[row[x] * 10 / 256];
			line[n++] = '\n';
			write(1, line, n);
		}
	}
	close(img);
	printf("rt: %dx%d, %d spheres, %d workers, checksum %x\n", w, h, ns, p, sum);
	return 0;
}
