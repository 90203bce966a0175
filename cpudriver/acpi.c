/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parser (see acpi.h for the contract).
 *
 * The walk: RSDP -> root table (RSDT or XSDT) -> each listed table's header
 * -> the MADT and MCFG in full. A table is used only after its header says
 * a sane length, the whole length has been mapped and its bytes sum to 0.
 * Root entries are read one at a time through their own small mapping, so
 * that no two mappings are ever needed at once (acpi_map_fn's contract).
 * Every field is copied out with memcpy: firmware tables are packed and the
 * fuzzer feeds unaligned buffers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/errors.h"
#include "acpi.h"
#include "acpi_reg.h"

struct acpi_walk {
	acpi_map_fn map;
	void *ctx;
	bool have_madt; /* the first MADT has been read */
	bool have_mcfg; /* the first MCFG has been read */
};

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s = (uint8_t)(s + p[i]);
	}
	return s;
}

/*
 * Maps the whole table at `phys`, checks its length (>= min_len) and its
 * checksum, and, if `sig` is not NULL, its signature.
 */
static int acpi_map_table(struct acpi_walk *w, uint64_t phys, const char *sig,
			  uint32_t min_len, const uint8_t **tab, uint32_t *len)
{
	struct acpi_reg_sdt h, again;
	const uint8_t *p;

	p = w->map(w->ctx, phys, sizeof(h));
	if (p == NULL) {
		return E_RANGE;
	}
	memcpy(&h, p, sizeof(h));
	if (sig != NULL && memcmp(h.signature, sig, 4) != 0) {
		return E_FORMAT;
	}
	if (h.length < min_len || h.length > ACPI_MAX_TABLE_LEN) {
		return E_FORMAT;
	}
	if (phys > UINT64_MAX - h.length) {
		return E_RANGE;
	}
	p = w->map(w->ctx, phys, h.length);
	if (p == NULL) {
		return E_RANGE;
	}
	/* The checksum is over the bytes we will read, header included. */
	memcpy(&again, p, sizeof(again));
	if (memcmp(&again, &h, sizeof(h)) != 0) {
		return E_FORMAT;
	}
	if (acpi_sum(p, h.length) != 0) {
		return E_CHECKSUM;
	}
	*tab = p;
	*len = h.length;
	return 0;
}

static int acpi_add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid,
			uint8_t x2apic)
{
	uint32_t i;

	/* Firmware may list a CPU as both LAPIC and x2APIC: count it once. */
	for (i = 0; i < out->n_cpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			return 0;
		}
	}
	if (out->n_cpus >= ACPI_MAX_CPUS) {
		return E_TOOBIG;
	}
	out->cpus[out->n_cpus].apic_id = apic_id;
	out->cpus[out->n_cpus].uid = uid;
	out->cpus[out->n_cpus].x2apic = x2apic;
	out->n_cpus++;
	return 0;
}

/* One MADT entry of `len` bytes (>= 2, inside the table) at `e`. */
static int acpi_madt_entry(const uint8_t *e, uint8_t type, uint8_t len,
			   struct acpi_info *out)
{
	struct acpi_reg_madt_lapic l;
	struct acpi_reg_madt_x2apic x;
	struct acpi_reg_madt_lapic_override o;

	switch (type) {
	case ACPI_MADT_LAPIC:
		if (len < sizeof(l)) {
			return E_FORMAT;
		}
		memcpy(&l, e, sizeof(l));
		if (!(l.flags & ACPI_MADT_ENABLED)) {
			return 0;
		}
		return acpi_add_cpu(out, l.apic_id, l.acpi_uid, 0);
	case ACPI_MADT_X2APIC:
		if (len < sizeof(x)) {
			return E_FORMAT;
		}
		memcpy(&x, e, sizeof(x));
		if (!(x.flags & ACPI_MADT_ENABLED)) {
			return 0;
		}
		return acpi_add_cpu(out, x.x2apic_id, x.acpi_uid, 1);
	case ACPI_MADT_LAPIC_OVERRIDE:
		if (len < sizeof(o)) {
			return E_FORMAT;
		}
		memcpy(&o, e, sizeof(o));
		out->lapic_base = o.address;
		return 0;
	case ACPI_MADT_IOAPIC:
		if (len < sizeof(struct acpi_reg_madt_ioapic)) {
			return E_FORMAT;
		}
		if (out->n_ioapics++ == 0) {
			struct acpi_reg_madt_ioapic io;
			memcpy(&io, e, sizeof(io));
			out->ioapic_base = io.address;
			out->ioapic_gsi_base = io.gsi_base;
		}
		return 0;
	case ACPI_MADT_ISO: {
		struct acpi_reg_madt_iso iso;
		if (len < sizeof(iso)) {
			return E_FORMAT;
		}
		memcpy(&iso, e, sizeof(iso));
		if (iso.bus == 0 && iso.source < 16) {
			out->isa[iso.source].gsi = iso.gsi;
			out->isa[iso.source].flags = iso.flags;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int acpi_madt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	struct acpi_reg_madt m;
	struct acpi_reg_madt_entry e;
	uint32_t off;
	int rc;

	memcpy(&m, t, sizeof(m));
	/* A type-5 override, wherever it comes, replaces this below. */
	out->lapic_base = m.lapic_address;
	for (off = sizeof(m); off < len; off += e.length) {
		if (len - off < sizeof(e)) {
			return E_FORMAT;
		}
		memcpy(&e, t + off, sizeof(e));
		if (e.length < sizeof(e) || e.length > len - off) {
			return E_FORMAT;
		}
		rc = acpi_madt_entry(t + off, e.type, e.length, out);
		if (rc < 0) {
			return rc;
		}
	}
	return out->n_cpus > 0 ? 0 : E_NOENT;
}

static int acpi_mcfg(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	struct acpi_reg_mcfg_entry e;
	uint32_t n, i;

	if ((len - sizeof(struct acpi_reg_mcfg)) % sizeof(e) != 0) {
		return E_FORMAT;
	}
	n = (len - (uint32_t)sizeof(struct acpi_reg_mcfg)) / sizeof(e);
	if (n > ACPI_MAX_MCFG) {
		return E_TOOBIG;
	}
	for (i = 0; i < n; i++) {
		memcpy(&e, t + sizeof(struct acpi_reg_mcfg) + i * sizeof(e),
		       sizeof(e));
		if (e.bus_start > e.bus_end) {
			return E_FORMAT;
		}
		out->mcfg[i].base = e.base;
		out->mcfg[i].segment = e.segment;
		out->mcfg[i].bus_start = e.bus_start;
		out->mcfg[i].bus_end = e.bus_end;
	}
	out->n_mcfg = n;
	return 0;
}

/* Chooses the root table from the RSDP: its address and entry size. */
static int acpi_pick_root(const uint8_t *rsdp, size_t rsdp_len, uint64_t *root,
			  uint32_t *esize)
{
	struct acpi_reg_rsdp r;
	bool ext_bad = false;

	if (rsdp_len < ACPI_RSDP_V1_LEN) {
		return E_FORMAT;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, rsdp, rsdp_len < sizeof(r) ? rsdp_len : sizeof(r));
	if (memcmp(r.signature, ACPI_RSDP_SIG, ACPI_RSDP_SIG_LEN) != 0) {
		return E_FORMAT;
	}
	if (acpi_sum(rsdp, ACPI_RSDP_V1_LEN) != 0) {
		return E_CHECKSUM;
	}
	if (r.revision >= 2 && rsdp_len >= ACPI_RSDP_V2_LEN &&
	    r.xsdt_address != 0 && r.length >= ACPI_RSDP_V2_LEN &&
	    r.length <= rsdp_len) {
		if (acpi_sum(rsdp, r.length) == 0) {
			*root = r.xsdt_address;
			*esize = 8;
			return 0;
		}
		ext_bad = true;
	}
	if (r.rsdt_address == 0) {
		return ext_bad ? E_CHECKSUM : E_NOENT;
	}
	*root = r.rsdt_address;
	*esize = 4;
	return 0;
}

/* Reads entry i of the root table at `root` (already checked). */
static int acpi_root_entry(struct acpi_walk *w, uint64_t root, uint32_t esize,
			   uint32_t i, uint64_t *phys)
{
	uint64_t at = root + sizeof(struct acpi_reg_sdt) + (uint64_t)i * esize;
	const uint8_t *p = w->map(w->ctx, at, esize);
	uint32_t v32;

	if (p == NULL) {
		return E_RANGE;
	}
	if (esize == 8) {
		memcpy(phys, p, 8);
	} else {
		memcpy(&v32, p, 4);
		*phys = v32;
	}
	return 0;
}

/* Looks at the table at `phys`; reads it in full if it is one we need. */
static int acpi_table(struct acpi_walk *w, uint64_t phys, struct acpi_info *out)
{
	const uint8_t *t;
	uint32_t len;
	char sig[4];
	int rc;

	t = w->map(w->ctx, phys, sizeof(struct acpi_reg_sdt));
	if (t == NULL) {
		return E_RANGE;
	}
	memcpy(sig, t, sizeof(sig));
	if (memcmp(sig, ACPI_SIG_MADT, 4) == 0 && !w->have_madt) {
		w->have_madt = true;
		rc = acpi_map_table(w, phys, ACPI_SIG_MADT,
				    sizeof(struct acpi_reg_madt), &t, &len);
		return rc < 0 ? rc : acpi_madt(t, len, out);
	}
	if (memcmp(sig, "FACP", 4) == 0 && !out->pm1a_cnt) {
		/* FADT: PM1a_CNT_BLK is the u32 at offset 64 (ACPI 5.2.9) */
		rc = acpi_map_table(w, phys, "FACP", 68, &t, &len);
		if (rc < 0) {
			return 0; /* only poweroff needs it: not fatal */
		}
		memcpy(&out->pm1a_cnt, t + 64, 4);
		return 0;
	}
	if (memcmp(sig, ACPI_SIG_MCFG, 4) == 0 && !w->have_mcfg) {
		w->have_mcfg = true;
		rc = acpi_map_table(w, phys, ACPI_SIG_MCFG,
				    sizeof(struct acpi_reg_mcfg), &t, &len);
		return rc < 0 ? rc : acpi_mcfg(t, len, out);
	}
	return 0;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       struct acpi_info *out)
{
	struct acpi_walk w = {.map = map, .ctx = ctx};
	const uint8_t *t;
	const char *sig;
	uint64_t root, phys;
	uint32_t esize, len, n, i;
	int rc;

	if (rsdp == NULL || map == NULL || out == NULL) {
		return E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < 16; i++) {
		out->isa[i].gsi = i;
	}
	rc = acpi_pick_root(rsdp, rsdp_len, &root, &esize);
	if (rc < 0) {
		return rc;
	}
	out->used_xsdt = esize == 8;
	sig = out->used_xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	rc = acpi_map_table(&w, root, sig, sizeof(struct acpi_reg_sdt), &t,
			    &len);
	if (rc < 0) {
		return rc;
	}
	if ((len - sizeof(struct acpi_reg_sdt)) % esize != 0) {
		return E_FORMAT;
	}
	n = (len - (uint32_t)sizeof(struct acpi_reg_sdt)) / esize;
	for (i = 0; i < n; i++) {
		rc = acpi_root_entry(&w, root, esize, i, &phys);
		if (rc == 0 && phys != 0) {
			rc = acpi_table(&w, phys, out);
		}
		if (rc < 0) {
			return rc;
		}
	}
	return w.have_madt ? 0 : E_NOENT;
}
