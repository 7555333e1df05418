/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_pvt.h"

#include <errno.h>

uint32_t tcp_chunk_alloc(struct tcp_ctx *ctx)
{
	uint32_t i = ctx->free_chunk;

	if (i == TCP_NONE)
		return TCP_NONE;
	ctx->free_chunk = ctx->chunks[i].next;
	ctx->free_chunks--;
	ctx->cnt.buffer_bytes_now += TCP_CHUNK_BYTES;
	ctx->chunks[i].next = TCP_NONE;
	ctx->chunks[i].off = 0;
	ctx->chunks[i].len = 0;
	ctx->chunks[i].seq = 0;
	return i;
}

void tcp_chunk_free(struct tcp_ctx *ctx, uint32_t i)
{
	ctx->chunks[i].next = ctx->free_chunk;
	ctx->free_chunk = i;
	ctx->free_chunks++;
	ctx->cnt.buffer_bytes_now -= TCP_CHUNK_BYTES;
}

static void ref_release(struct tcp_ctx *ctx, uint32_t i)
{
	struct tcp_xref *r = &ctx->refs[i & ~TCP_REF_TAG];
	const struct tcp_ref_owner *owner = r->owner;

	r->owner = NULL;
	r->next = ctx->free_ref;
	ctx->free_ref = i & ~TCP_REF_TAG;
	ctx->cnt.refs_now--;
	ctx->cnt.refs_released++;
	if (owner != NULL && owner->release != NULL)
		owner->release(r->opaque, r->base, r->full_len);
}

/* Free one send-queue element: a chunk back to the pool, a reference released. */
static void sq_free(struct tcp_ctx *ctx, uint32_t i)
{
	if (tcp_is_ref(i))
		ref_release(ctx, i);
	else
		tcp_chunk_free(ctx, i);
}

void tcp_queue_free(struct tcp_ctx *ctx, struct tcp_queue *q)
{
	uint32_t i = q->head;

	/* Unlink first: a release callback sees a consistent queue. */
	q->head = q->tail = TCP_NONE;
	q->bytes = 0;
	while (i != TCP_NONE) {
		uint32_t next = tcp_sq_next(ctx, i);
		sq_free(ctx, i);
		i = next;
	}
}

int tcp_queue_append_ref(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t seq,
			 const uint8_t *data, uint32_t len, const struct tcp_ref_owner *owner,
			 void *opaque)
{
	uint32_t k = ctx->free_ref, i;
	struct tcp_xref *r;

	if (k == TCP_NONE)
		return -ENOBUFS;
	r = &ctx->refs[k];
	ctx->free_ref = r->next;
	r->next = TCP_NONE;
	r->seq = seq;
	r->off = 0;
	r->len = len;
	r->full_len = len;
	r->base = data;
	r->owner = owner;
	r->opaque = opaque;
	i = k | TCP_REF_TAG;
	if (q->tail == TCP_NONE)
		q->head = i;
	else
		tcp_sq_set_next(ctx, q->tail, i);
	q->tail = i;
	q->bytes += len;
	ctx->cnt.refs_now++;
	return 0;
}

uint32_t tcp_queue_append(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t seq,
			  const uint8_t *data, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		/* A reference at the tail takes no bytes after it: a new chunk does. */
		struct tcp_chunk *t =
		    q->tail != TCP_NONE && !tcp_is_ref(q->tail) ? &ctx->chunks[q->tail] : NULL;
		uint32_t room, n;

		if (t == NULL || (uint32_t)t->off + t->len == TCP_CHUNK_DATA) {
			uint32_t i = tcp_chunk_alloc(ctx);
			if (i == TCP_NONE)
				break;
			ctx->chunks[i].seq = seq + done;
			if (q->tail == TCP_NONE)
				q->head = i;
			else
				tcp_sq_set_next(ctx, q->tail, i);
			q->tail = i;
			t = &ctx->chunks[i];
		}
		room = TCP_CHUNK_DATA - t->off - t->len;
		n = tcp_min32(room, len - done);
		memcpy(t->data + t->off + t->len, data + done, n);
		t->len = (uint16_t)(t->len + n);
		done += n;
	}
	q->bytes += done;
	return done;
}

void tcp_queue_trim_front(struct tcp_ctx *ctx, struct tcp_queue *q, uint32_t len)
{
	while (len > 0 && q->head != TCP_NONE) {
		uint32_t h = q->head, hl = tcp_sq_len(ctx, h);
		if (len < hl) {
			if (tcp_is_ref(h)) {
				struct tcp_xref *r = &ctx->refs[h & ~TCP_REF_TAG];
				r->off += len;
				r->len -= len;
				r->seq += len;
			} else {
				struct tcp_chunk *ch = &ctx->chunks[h];
				ch->off = (uint16_t)(ch->off + len);
				ch->len = (uint16_t)(ch->len - len);
				ch->seq += len;
			}
			q->bytes -= len;
			return;
		}
		len -= hl;
		q->bytes -= hl;
		q->head = tcp_sq_next(ctx, h);
		if (q->head == TCP_NONE) {
			q->tail = TCP_NONE;
			q->bytes = 0;
		}
		sq_free(ctx, h);
	}
	if (q->head == TCP_NONE) {
		q->tail = TCP_NONE;
		q->bytes = 0;
	}
}

uint32_t tcp_queue_copy(const struct tcp_ctx *ctx, const struct tcp_queue *q, uint32_t off,
			uint8_t *dst, uint32_t len)
{
	uint32_t i = q->head, done = 0;

	while (i != TCP_NONE && done < len) {
		const struct tcp_chunk *ch = &ctx->chunks[i];
		if (off >= ch->len) {
			off -= ch->len;
		} else {
			uint32_t n = tcp_min32(ch->len - off, len - done);
			memcpy(dst + done, ch->data + ch->off + off, n);
			done += n;
			off = 0;
		}
		i = ch->next;
	}
	return done;
}

/*
 * The out-of-order queue is a list of chunks sorted by sequence, disjoint:
 * new data fills only the gaps between what is there (what arrived first
 * wins; RFC 9293 leaves the choice), so duplicates cost nothing.
 */
int tcp_ooo_insert(struct tcp_ctx *ctx, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		   uint32_t len)
{
	uint32_t prev = TCP_NONE, i = c->ooo.head;
	uint32_t end = seq + len;

	/* Walk the chunks (sorted, disjoint) and fill the gaps the new data covers. */
	while (len > 0) {
		uint32_t gap_end, n, k;

		/* Skip chunks entirely before seq. */
		while (i != TCP_NONE && SEQ_LE(ctx->chunks[i].seq + ctx->chunks[i].len, seq)) {
			prev = i;
			i = ctx->chunks[i].next;
		}
		if (i != TCP_NONE && SEQ_LE(ctx->chunks[i].seq, seq)) {
			/* seq is inside chunk i: skip what it already holds. */
			uint32_t skip = ctx->chunks[i].seq + ctx->chunks[i].len - seq;
			if (skip >= len)
				return 0;
			data += skip;
			seq += skip;
			len -= skip;
			prev = i;
			i = ctx->chunks[i].next;
			continue;
		}
		gap_end = i != TCP_NONE ? ctx->chunks[i].seq : end;
		if (SEQ_GT(gap_end, end))
			gap_end = end;
		n = tcp_min32(gap_end - seq, TCP_CHUNK_DATA);
		k = tcp_chunk_alloc(ctx);
		if (k == TCP_NONE)
			return -1;
		memcpy(ctx->chunks[k].data, data, n);
		ctx->chunks[k].seq = seq;
		ctx->chunks[k].len = (uint16_t)n;
		ctx->chunks[k].next = i;
		if (prev == TCP_NONE)
			c->ooo.head = k;
		else
			ctx->chunks[prev].next = k;
		if (i == TCP_NONE)
			c->ooo.tail = k;
		c->ooo.bytes += n;
		prev = k;
		data += n;
		seq += n;
		len -= n;
	}
	return 0;
}

uint32_t tcp_ooo_drain(struct tcp_ctx *ctx, struct tcp_conn *c)
{
	uint32_t moved = 0;

	while (c->ooo.head != TCP_NONE) {
		uint32_t i = c->ooo.head;
		struct tcp_chunk *ch = &ctx->chunks[i];
		uint32_t skip;

		if (SEQ_GT(ch->seq, c->rcv_nxt))
			break;
		c->ooo.head = ch->next;
		if (c->ooo.head == TCP_NONE)
			c->ooo.tail = TCP_NONE;
		c->ooo.bytes -= ch->len;
		skip = c->rcv_nxt - ch->seq;
		if (skip >= ch->len) {
			tcp_chunk_free(ctx, i);
			continue;
		}
		/* Relink the chunk into the receive queue: no copy. */
		ch->off = (uint16_t)(ch->off + skip);
		ch->len = (uint16_t)(ch->len - skip);
		ch->seq += skip;
		ch->next = TCP_NONE;
		if (c->rcvq.tail == TCP_NONE)
			c->rcvq.head = i;
		else
			ctx->chunks[c->rcvq.tail].next = i;
		c->rcvq.tail = i;
		c->rcvq.bytes += ch->len;
		c->rcv_nxt += ch->len;
		moved += ch->len;
	}
	return moved;
}
