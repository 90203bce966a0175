/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the ACPI parser (cpudriver/acpi.c).
 *
 * The tests build firmware tables in a simulated window of physical memory
 * the way QEMU's SeaBIOS and OVMF lay them out, and hand acpi_parse() a map
 * callback over that window. The callback returns a fresh heap copy of the
 * requested range and frees the previous one, so AddressSanitizer reports
 * any use of a stale mapping (acpi_map_fn allows one live mapping) and any
 * read past the requested length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "acpi.h"
#include "acpi_reg.h"

#define WINDOW 0x20000

struct phys {
	uint64_t base; /* physical address of mem[0] */
	size_t size;   /* readable bytes from base */
	size_t next;   /* bump allocator for new tables */
	uint8_t mem[WINDOW];
	void *last; /* the live mapping, freed by the next map */
	unsigned maps;
};

static struct phys ph;
static struct acpi_info info;
static uint8_t rsdp[36];

static const void *phys_map(void *ctx, uint64_t addr, size_t len)
{
	struct phys *p = ctx;
	void *copy;

	free(p->last);
	p->last = NULL;
	p->maps++;
	if (addr < p->base || addr - p->base > p->size ||
	    len > p->size - (addr - p->base)) {
		return NULL;
	}
	copy = malloc(len ? len : 1);
	memcpy(copy, p->mem + (addr - p->base), len);
	p->last = copy;
	return copy;
}

static void phys_init(uint64_t base)
{
	free(ph.last);
	memset(&ph, 0, sizeof(ph));
	ph.base = base;
	ph.size = WINDOW;
}

static int parse(size_t rsdp_len)
{
	int rc = acpi_parse(rsdp, rsdp_len, phys_map, &ph, &info);

	free(ph.last);
	ph.last = NULL;
	return rc;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint8_t *at(uint64_t addr)
{
	return ph.mem + (addr - ph.base);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--) {
		s = (uint8_t)(s + *p++);
	}
	return s;
}

/* Sets the checksum byte of the table at addr from its length field. */
static void table_fix(uint64_t addr)
{
	uint8_t *t = at(addr);
	uint32_t len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (uint8_t)(0 - sum(t, len));
}

/* Places a table: 36-byte header + body; returns its physical address. */
static uint64_t table_add(const char *sig, const void *body, size_t blen)
{
	uint64_t addr = ph.base + ph.next;
	uint8_t *t = at(addr);

	assert_true(ph.next + 36 + blen <= WINDOW);
	memset(t, 0, 36);
	memcpy(t, sig, 4);
	put32(t + 4, (uint32_t)(36 + blen));
	t[8] = 1;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "BXPC", 4);
	put32(t + 32, 1);
	if (blen > 0) {
		memcpy(t + 36, body, blen);
	}
	table_fix(addr);
	ph.next = (ph.next + 36 + blen + 15) & ~(size_t)15;
	return addr;
}

static uint64_t root_add(const char *sig, const uint64_t *tabs, size_t n,
			 unsigned esize)
{
	uint8_t body[64 * 8];
	size_t i;

	for (i = 0; i < n; i++) {
		if (esize == 4) {
			put32(body + 4 * i, (uint32_t)tabs[i]);
		} else {
			put64(body + 8 * i, tabs[i]);
		}
	}
	return table_add(sig, body, n * esize);
}

static void rsdp_v1(uint32_t rsdt)
{
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "BOCHS ", 6);
	rsdp[15] = 0;
	put32(rsdp + 16, rsdt);
	rsdp[8] = (uint8_t)(0 - sum(rsdp, 20));
}

static void rsdp_v2(uint32_t rsdt, uint64_t xsdt)
{
	rsdp_v1(rsdt);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, xsdt);
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)(0 - sum(rsdp, 20));
	rsdp[32] = (uint8_t)(0 - sum(rsdp, 36));
}

/* MADT body builder. */
struct madt {
	uint8_t b[8192];
	size_t len;
};

static void madt_init(struct madt *m, uint32_t lapic)
{
	memset(m, 0, sizeof(*m));
	put32(m->b, lapic);
	put32(m->b + 4, 1); /* PCAT_COMPAT */
	m->len = 8;
}

static void madt_raw(struct madt *m, const uint8_t *e, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, e, n);
	m->len += n;
}

static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t fl)
{
	uint8_t e[8] = {0, 8, uid, id};

	put32(e + 4, fl);
	madt_raw(m, e, sizeof(e));
}

static void madt_x2apic(struct madt *m, uint32_t id, uint32_t uid, uint32_t fl)
{
	uint8_t e[16] = {9, 16};

	put32(e + 4, id);
	put32(e + 8, fl);
	put32(e + 12, uid);
	madt_raw(m, e, sizeof(e));
}

static void madt_ioapic(struct madt *m, uint8_t id, uint32_t addr)
{
	uint8_t e[12] = {1, 12, id, 0};

	put32(e + 4, addr);
	put32(e + 8, 0);
	madt_raw(m, e, sizeof(e));
}

static void madt_iso(struct madt *m, uint8_t irq, uint32_t gsi)
{
	uint8_t e[10] = {2, 10, 0, irq};

	put32(e + 4, gsi);
	put16(e + 8, 0);
	madt_raw(m, e, sizeof(e));
}

static void madt_override(struct madt *m, uint64_t addr)
{
	uint8_t e[12] = {5, 12};

	put64(e + 4, addr);
	madt_raw(m, e, sizeof(e));
}

static uint64_t mcfg_add(const uint64_t *base, const uint8_t *bus, size_t n)
{
	uint8_t body[8 + 16 * 16];
	size_t i;

	memset(body, 0, sizeof(body));
	for (i = 0; i < n; i++) {
		uint8_t *e = body + 8 + 16 * i;

		put64(e, base[i]);
		put16(e + 8, (uint16_t)i);
		e[10] = bus[2 * i];
		e[11] = bus[2 * i + 1];
	}
	return table_add(ACPI_SIG_MCFG, body, 8 + 16 * n);
}

/* Addresses of the tables the SeaBIOS-like layout puts in the window. */
static uint64_t t_facp, t_madt, t_hpet, t_mcfg, t_rsdt;

/*
 * QEMU q35 + SeaBIOS: RSDP revision 0 -> RSDT -> FACP, APIC, HPET, MCFG,
 * WAET. Four enabled CPUs and a fifth that is present but disabled (a
 * hot-pluggable slot), one I/O APIC, interrupt source overrides.
 */
static void build_seabios(void)
{
	static const uint64_t ecam[] = {0xb0000000};
	static const uint8_t bus[] = {0, 255};
	uint8_t facp[80], hpet[20];
	struct madt m;
	uint64_t tabs[5];

	phys_init(0x7ffe0000);
	memset(facp, 0, sizeof(facp));
	memset(hpet, 0, sizeof(hpet));
	put32(facp + 64 - 36, 0x604); /* PM1a_CNT_BLK, as on q35 */
	t_facp = table_add("FACP", facp, sizeof(facp));
	madt_init(&m, 0xfee00000);
	madt_lapic(&m, 0, 0, 1);
	madt_lapic(&m, 1, 1, 1);
	madt_lapic(&m, 2, 2, 1);
	madt_lapic(&m, 3, 3, 1);
	madt_lapic(&m, 4, 4, 0);
	madt_ioapic(&m, 0, 0xfec00000);
	madt_iso(&m, 0, 2);
	madt_iso(&m, 5, 5);
	madt_iso(&m, 9, 9);
	t_madt = table_add(ACPI_SIG_MADT, m.b, m.len);
	t_hpet = table_add("HPET", hpet, sizeof(hpet));
	t_mcfg = mcfg_add(ecam, bus, 1);
	tabs[0] = t_facp;
	tabs[1] = t_madt;
	tabs[2] = t_hpet;
	tabs[3] = t_mcfg;
	tabs[4] = table_add("WAET", hpet, 4);
	t_rsdt = root_add(ACPI_SIG_RSDT, tabs, 5, 4);
	rsdp_v1((uint32_t)t_rsdt);
}

static void expect_seabios(void)
{
	uint32_t i;

	assert_int_equal(info.used_xsdt, 0);
	assert_int_equal(info.lapic_base, 0xfee00000);
	assert_int_equal(info.n_cpus, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_int_equal(info.cpus[i].x2apic, 0);
	}
	assert_int_equal(info.n_ioapics, 1);
	assert_int_equal(info.ioapic_base, 0xfec00000);
	assert_int_equal(info.ioapic_gsi_base, 0);
	assert_int_equal(info.isa[0].gsi, 2); /* overridden */
	assert_int_equal(info.isa[4].gsi, 4); /* identity by default */
	assert_int_equal(info.isa[9].gsi, 9);
	assert_int_equal(info.n_mcfg, 1);
	assert_int_equal(info.mcfg[0].base, 0xb0000000);
	assert_int_equal(info.mcfg[0].segment, 0);
	assert_int_equal(info.mcfg[0].bus_start, 0);
	assert_int_equal(info.mcfg[0].bus_end, 255);
}

static void test_seabios_rsdt(void **state)
{
	(void)state;
	build_seabios();
	assert_int_equal(parse(20), 0);
	expect_seabios();
	assert_int_equal(info.pm1a_cnt, 0x604);
	/* Root, its 5 entries, 5 headers, FADT, MADT and MCFG in full (+
	 * header). */
	assert_int_equal(ph.maps, 2 + 5 + 5 + 3 * 2);
}

/* A revision 0 RSDP in a 36-byte buffer: the extra bytes are not used. */
static void test_v1_rsdp_long_buffer(void **state)
{
	(void)state;
	build_seabios();
	memset(rsdp + 20, 0xff, 16);
	assert_int_equal(parse(36), 0);
	expect_seabios();
}

/*
 * OVMF-like: RSDP revision 2 -> XSDT above 4 GiB with x2APIC entries. The
 * RSDT address is bogus (outside the window) to show it is not used.
 */
static uint64_t t_xsdt, t_xmadt;

static void build_ovmf_x2apic(void)
{
	struct madt m;
	uint64_t tabs[3];
	uint8_t facp[244];

	phys_init(0x17ffe0000ull);
	memset(facp, 0, sizeof(facp));
	tabs[0] = table_add("FACP", facp, sizeof(facp));
	madt_init(&m, 0xfee00000);
	madt_lapic(&m, 0, 0, 1);  /* same CPU as x2APIC id 0 below */
	madt_x2apic(&m, 0, 0, 1); /* duplicate of the LAPIC entry */
	madt_x2apic(&m, 0x100, 1, 1);
	madt_x2apic(&m, 0x101, 2, 0); /* disabled */
	madt_x2apic(&m, 0x102, 3, 3); /* enabled + online capable */
	madt_x2apic(&m, 0x103, 4, 2); /* online capable only: not counted */
	madt_ioapic(&m, 0, 0xfec00000);
	madt_ioapic(&m, 1, 0xfec01000);
	madt_override(&m, 0x1fee00000ull);
	t_xmadt = tabs[1] = table_add(ACPI_SIG_MADT, m.b, m.len);
	tabs[2] = 0; /* a null entry is skipped */
	t_xsdt = root_add(ACPI_SIG_XSDT, tabs, 3, 8);
	rsdp_v2(0x1000, t_xsdt);
}

static void test_xsdt_x2apic(void **state)
{
	(void)state;
	build_ovmf_x2apic();
	assert_int_equal(parse(36), 0);
	assert_int_equal(info.used_xsdt, 1);
	assert_int_equal(info.lapic_base, 0x1fee00000ull);
	assert_int_equal(info.n_cpus, 3);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[0].x2apic, 0);
	assert_int_equal(info.cpus[1].apic_id, 0x100);
	assert_int_equal(info.cpus[1].uid, 1);
	assert_int_equal(info.cpus[1].x2apic, 1);
	assert_int_equal(info.cpus[2].apic_id, 0x102);
	assert_int_equal(info.cpus[2].uid, 3);
	assert_int_equal(info.n_ioapics, 2);
	assert_int_equal(info.n_mcfg, 0);
}

/* The override replaces the header address even when it comes first. */
static void test_lapic_override_first(void **state)
{
	struct madt m;
	uint64_t tab;

	(void)state;
	phys_init(0x7ffe0000);
	madt_init(&m, 0xfee00000);
	madt_override(&m, 0xfed00000);
	madt_lapic(&m, 0, 7, 1);
	tab = table_add(ACPI_SIG_MADT, m.b, m.len);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, &tab, 1, 4));
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.lapic_base, 0xfed00000);
	assert_int_equal(info.cpus[0].apic_id, 7);
}

static void test_xsdt_fallbacks(void **state)
{
	(void)state;
	/* Both roots present; a good v2 RSDP picks the XSDT. */
	build_seabios();
	{
		uint64_t tabs[2] = {t_madt, t_mcfg};
		uint64_t x = root_add(ACPI_SIG_XSDT, tabs, 2, 8);

		rsdp_v2((uint32_t)t_rsdt, x);
		assert_int_equal(parse(36), 0);
		assert_int_equal(info.used_xsdt, 1);
		assert_int_equal(info.n_cpus, 4);

		/* Copy too short for the v2 fields: RSDT. */
		assert_int_equal(parse(35), 0);
		assert_int_equal(info.used_xsdt, 0);
		assert_int_equal(parse(20), 0);
		assert_int_equal(info.used_xsdt, 0);

		/* Bad extended checksum: RSDT. */
		rsdp[32] ^= 1;
		assert_int_equal(parse(36), 0);
		assert_int_equal(info.used_xsdt, 0);
		expect_seabios();

		/* ... and with no RSDT to fall back on: the checksum error. */
		rsdp_v2(0, x);
		rsdp[32] ^= 1;
		assert_int_equal(parse(36), E_CHECKSUM);

		/* RSDP length field larger than the copy: RSDT. */
		rsdp_v2((uint32_t)t_rsdt, x);
		put32(rsdp + 20, 40);
		rsdp[32] = 0;
		rsdp[32] = (uint8_t)(0 - sum(rsdp, 36));
		assert_int_equal(parse(36), 0);
		assert_int_equal(info.used_xsdt, 0);
	}
	/* XSDT address 0: RSDT. */
	rsdp_v2((uint32_t)t_rsdt, 0);
	assert_int_equal(parse(36), 0);
	assert_int_equal(info.used_xsdt, 0);
	/* Revision 1 with v2 fields: treated as ACPI 1.0. */
	rsdp_v2((uint32_t)t_rsdt, t_rsdt);
	rsdp[15] = 1;
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)(0 - sum(rsdp, 20));
	assert_int_equal(parse(36), 0);
	assert_int_equal(info.used_xsdt, 0);
	/* No root at all. */
	rsdp_v1(0);
	assert_int_equal(parse(20), E_NOENT);
}

static void test_rsdp_bad(void **state)
{
	size_t n;

	(void)state;
	build_seabios();
	for (n = 0; n < 20; n++) {
		assert_int_equal(parse(n), E_FORMAT);
	}
	rsdp[8] ^= 0x40;
	assert_int_equal(parse(20), E_CHECKSUM);
	rsdp_v1((uint32_t)t_rsdt);
	rsdp[7] = '_';
	rsdp[8] = (uint8_t)(rsdp[8] + ' ' - '_');
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(parse(20), E_FORMAT);
}

static void test_null_args(void **state)
{
	(void)state;
	build_seabios();
	assert_int_equal(acpi_parse(NULL, 20, phys_map, &ph, &info), E_INVAL);
	assert_int_equal(acpi_parse(rsdp, 20, NULL, &ph, &info), E_INVAL);
	assert_int_equal(acpi_parse(rsdp, 20, phys_map, &ph, NULL), E_INVAL);
	free(ph.last);
	ph.last = NULL;
}

static void test_checksums(void **state)
{
	(void)state;
	build_seabios();
	at(t_rsdt)[40] ^= 1;
	assert_int_equal(parse(20), E_CHECKSUM);

	build_seabios();
	at(t_madt)[50] ^= 0x10;
	assert_int_equal(parse(20), E_CHECKSUM);

	build_seabios();
	at(t_mcfg)[44] ^= 0x10;
	assert_int_equal(parse(20), E_CHECKSUM);

	/* A table we do not read may have a bad checksum. */
	build_seabios();
	at(t_hpet)[40] ^= 0x10;
	at(t_facp)[9] ^= 0x10;
	assert_int_equal(parse(20), 0);
	expect_seabios();
}

static void set_len(uint64_t tab, uint32_t len)
{
	put32(at(tab) + 4, len);
	table_fix(tab);
}

static void test_root_bad(void **state)
{
	(void)state;
	build_seabios();
	memcpy(at(t_rsdt), "XSDT", 4);
	table_fix(t_rsdt);
	assert_int_equal(parse(20), E_FORMAT);

	build_seabios();
	set_len(t_rsdt, 35);
	assert_int_equal(parse(20), E_FORMAT);

	build_seabios();
	set_len(t_rsdt, 36 + 4 * 5 - 1); /* partial entry */
	assert_int_equal(parse(20), E_FORMAT);

	build_seabios();
	put32(at(t_rsdt) + 4, ACPI_MAX_TABLE_LEN + 4);
	assert_int_equal(parse(20), E_FORMAT);

	build_seabios();
	put32(at(t_rsdt) + 4, 0xffffffffu);
	assert_int_equal(parse(20), E_FORMAT);

	/* An RSDT with no entries: no MADT. */
	build_seabios();
	set_len(t_rsdt, 36);
	assert_int_equal(parse(20), E_NOENT);
}

static void test_unmapped(void **state)
{
	(void)state;
	build_seabios();
	rsdp_v1(0x1000);
	assert_int_equal(parse(20), E_RANGE);

	/* An entry pointing outside readable memory. */
	build_seabios();
	put32(at(t_rsdt) + 36 + 8, 0xfed00000);
	table_fix(t_rsdt);
	assert_int_equal(parse(20), E_RANGE);

	/* A table that claims to run past the window. */
	build_seabios();
	set_len(t_madt, (uint32_t)(ph.base + WINDOW - t_madt + 1));
	assert_int_equal(parse(20), E_RANGE);

	/* A table header straddling the end of the window. */
	build_seabios();
	put32(at(t_rsdt) + 36 + 4, (uint32_t)(ph.base + WINDOW - 20));
	table_fix(t_rsdt);
	assert_int_equal(parse(20), E_RANGE);
}

/* The window ends at every byte inside the MADT: never a crash. */
static void test_window_truncated(void **state)
{
	uint32_t len;
	uint64_t end;

	(void)state;
	build_seabios();
	/* Move the MADT to the end of the used memory, after the RSDT. */
	memcpy(&len, at(t_madt) + 4, 4);
	memmove(at(ph.base + ph.next), at(t_madt), len);
	t_madt = ph.base + ph.next;
	put32(at(t_rsdt) + 36 + 4, (uint32_t)t_madt);
	table_fix(t_rsdt);
	for (end = t_madt; end < t_madt + len; end++) {
		ph.size = (size_t)(end - ph.base);
		assert_int_equal(parse(20), E_RANGE);
	}
	ph.size = (size_t)(t_madt + len - ph.base);
	assert_int_equal(parse(20), 0);
}

/*
 * The MADT cut at every length: shorter than the fixed part is malformed;
 * cut inside an entry is malformed; cut at an entry boundary is a valid,
 * shorter table with fewer processors.
 */
static void test_madt_cut(void **state)
{
	static const uint32_t bounds[] = {44, 52, 60,  68,  76,
					  84, 96, 106, 116, 126};
	static const uint32_t cpus_at[] = {0, 1, 2, 3, 4, 4, 4, 4, 4, 4};
	uint32_t len, full, i;
	int rc;

	(void)state;
	build_seabios();
	memcpy(&full, at(t_madt) + 4, 4);
	assert_int_equal(full, 126);
	for (len = 0; len < full; len++) {
		build_seabios();
		set_len(t_madt, len);
		rc = parse(20);
		for (i = 0; i < 10 && bounds[i] != len; i++) {
		}
		if (i == 10) {
			assert_int_equal(rc, E_FORMAT);
		} else if (cpus_at[i] == 0) {
			assert_int_equal(rc, E_NOENT);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(info.n_cpus, cpus_at[i]);
		}
	}
}

static uint64_t madt_only(const struct madt *m)
{
	uint64_t tab;

	phys_init(0x7ffe0000);
	tab = table_add(ACPI_SIG_MADT, m->b, m->len);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, &tab, 1, 4));
	return tab;
}

static void test_madt_entries_bad(void **state)
{
	static const uint8_t zero_len[2] = {0, 0};
	static const uint8_t one_len[2] = {0x7f, 1};
	static const uint8_t past_end[4] = {0x7f, 5, 0, 0};
	static const uint8_t short_lapic[6] = {0, 6, 0, 0, 1, 0};
	static const uint8_t short_x2apic[12] = {9, 12, 0, 0, 1, 0, 0, 0, 1};
	static const uint8_t short_ovr[10] = {5, 10};
	static const uint8_t short_ioapic[8] = {1, 8};
	static const uint8_t lone_byte[1] = {0};
	const struct {
		const uint8_t *e;
		size_t n;
	} bad[] = {
	    {zero_len, 2},     {one_len, 2},	   {past_end, 4},
	    {short_lapic, 6},  {short_x2apic, 12}, {short_ovr, 10},
	    {short_ioapic, 8}, {lone_byte, 1},
	};
	struct madt m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		madt_init(&m, 0xfee00000);
		madt_lapic(&m, 0, 0, 1);
		madt_raw(&m, bad[i].e, bad[i].n);
		madt_only(&m);
		assert_int_equal(parse(20), E_FORMAT);
	}
	/* An unknown entry type with a sane length is skipped. */
	madt_init(&m, 0xfee00000);
	madt_raw(&m, (const uint8_t[]){0x7f, 3, 9}, 3);
	madt_lapic(&m, 0, 5, 1);
	madt_only(&m);
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.cpus[0].apic_id, 5);
	/* No enabled processor. */
	madt_init(&m, 0xfee00000);
	madt_lapic(&m, 0, 0, 0);
	madt_only(&m);
	assert_int_equal(parse(20), E_NOENT);
}

static void test_too_many_cpus(void **state)
{
	struct madt m;
	uint32_t i;

	(void)state;
	madt_init(&m, 0xfee00000);
	for (i = 0; i < ACPI_MAX_CPUS; i++) {
		madt_x2apic(&m, i, i, 1);
	}
	madt_x2apic(&m, 0, 999, 1); /* duplicate: not a 257th CPU */
	madt_only(&m);
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.n_cpus, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus[255].apic_id, 255);
	assert_int_equal(info.cpus[0].uid, 0);

	madt_x2apic(&m, ACPI_MAX_CPUS, 0, 1);
	madt_only(&m);
	assert_int_equal(parse(20), E_TOOBIG);
}

static void test_missing_madt(void **state)
{
	uint8_t facp[80];
	uint64_t tab;

	(void)state;
	phys_init(0x7ffe0000);
	memset(facp, 0, sizeof(facp));
	tab = table_add("FACP", facp, sizeof(facp));
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, &tab, 1, 4));
	assert_int_equal(parse(20), E_NOENT);
}

static void test_second_madt_ignored(void **state)
{
	struct madt m;
	uint64_t tabs[2];

	(void)state;
	phys_init(0x7ffe0000);
	madt_init(&m, 0xfee00000);
	madt_lapic(&m, 0, 1, 1);
	tabs[0] = table_add(ACPI_SIG_MADT, m.b, m.len);
	madt_lapic(&m, 1, 2, 1);
	tabs[1] = table_add(ACPI_SIG_MADT, m.b, m.len);
	at(tabs[1])[9] ^= 1; /* never read in full */
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, tabs, 2, 4));
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.n_cpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 1);
}

static void test_mcfg(void **state)
{
	static const uint64_t ecam[9] = {
	    0xb0000000,	    0xc0000000,	    0xd0000000,
	    0xe0000000,	    0x100000000ull, 0x200000000ull,
	    0x300000000ull, 0x400000000ull, 0x500000000ull};
	static const uint8_t bus[18] = {0, 255, 0, 127, 5, 5, 0, 0, 0,
					0, 0,	0, 0,	0, 0, 0, 0, 0};
	static const uint8_t bad_bus[2] = {8, 7};
	struct madt m;
	uint64_t tabs[2];

	(void)state;
	madt_init(&m, 0xfee00000);
	madt_lapic(&m, 0, 0, 1);

	phys_init(0x7ffe0000);
	tabs[0] = table_add(ACPI_SIG_MADT, m.b, m.len);
	tabs[1] = mcfg_add(ecam, bus, 8);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, tabs, 2, 4));
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.n_mcfg, 8);
	assert_int_equal(info.mcfg[2].base, 0xd0000000);
	assert_int_equal(info.mcfg[2].segment, 2);
	assert_int_equal(info.mcfg[2].bus_start, 5);
	assert_int_equal(info.mcfg[2].bus_end, 5);
	assert_int_equal(info.mcfg[7].base, 0x400000000ull);

	phys_init(0x7ffe0000);
	tabs[0] = table_add(ACPI_SIG_MADT, m.b, m.len);
	tabs[1] = mcfg_add(ecam, bus, 9);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, tabs, 2, 4));
	assert_int_equal(parse(20), E_TOOBIG);

	phys_init(0x7ffe0000);
	tabs[0] = table_add(ACPI_SIG_MADT, m.b, m.len);
	tabs[1] = mcfg_add(ecam, bad_bus, 1);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, tabs, 2, 4));
	assert_int_equal(parse(20), E_FORMAT);

	/* Partial entry, and shorter than the fixed part. */
	phys_init(0x7ffe0000);
	tabs[0] = table_add(ACPI_SIG_MADT, m.b, m.len);
	tabs[1] = mcfg_add(ecam, bus, 1);
	set_len(tabs[1], 44 + 15);
	rsdp_v1((uint32_t)root_add(ACPI_SIG_RSDT, tabs, 2, 4));
	assert_int_equal(parse(20), E_FORMAT);
	set_len(tabs[1], 43);
	assert_int_equal(parse(20), E_FORMAT);
	set_len(tabs[1], 44);
	assert_int_equal(parse(20), 0);
	assert_int_equal(info.n_mcfg, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seabios_rsdt),
	    cmocka_unit_test(test_v1_rsdp_long_buffer),
	    cmocka_unit_test(test_xsdt_x2apic),
	    cmocka_unit_test(test_lapic_override_first),
	    cmocka_unit_test(test_xsdt_fallbacks),
	    cmocka_unit_test(test_rsdp_bad),
	    cmocka_unit_test(test_null_args),
	    cmocka_unit_test(test_checksums),
	    cmocka_unit_test(test_root_bad),
	    cmocka_unit_test(test_unmapped),
	    cmocka_unit_test(test_window_truncated),
	    cmocka_unit_test(test_madt_cut),
	    cmocka_unit_test(test_madt_entries_bad),
	    cmocka_unit_test(test_too_many_cpus),
	    cmocka_unit_test(test_missing_madt),
	    cmocka_unit_test(test_second_madt_ignored),
	    cmocka_unit_test(test_mcfg),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
