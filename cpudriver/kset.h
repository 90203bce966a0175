/* SPDX-License-Identifier: MIT */
/*
 * A set of (key, value) pairs that lives in frames of this core's
 * partition, as many as it holds: a page is taken when the last one is
 * full and given back when it empties, so an empty set costs nothing and
 * a full one only ever fails when the partition is out of frames. Order is
 * not kept (a removal moves the last pair into the gap). Lookups walk the
 * pairs: for tables that are short in the usual case and must never drop
 * an entry in the unusual one (closes of channel frames on their way to
 * another core, frames half closed across cores). One core only, like
 * everything of the kernel's.
 */
#ifndef KSET_H
#define KSET_H

#include <stdint.h>

struct kset_page;

struct kset {
	struct kset_page *first; /* NULL: empty */
	uint32_t count;		 /* pairs held */
	uint32_t pages;		 /* frames they use */
};

/* kset_add: one more pair (keys need not be distinct); E_NOMEM if it
 * needed a frame and the partition has none (nothing changed) */
int kset_add(struct kset *s, uint64_t key, uint64_t val);

/* kset_find: index of a pair with key, -1 if none; *val its value */
int kset_find(const struct kset *s, uint64_t key, uint64_t *val);

/* kset_take: removes pair i (< count) and returns it; the last pair moves
 * into its place */
void kset_take(struct kset *s, uint32_t i, uint64_t *key, uint64_t *val);

#endif
