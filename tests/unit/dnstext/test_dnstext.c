/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS names and record data, text <-> wire. */
#include "dnstext.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static uint8_t wire[DNS_RDATA_MAX_BYTES];
static size_t wire_len;
static char err[DNS_ERR_MAX];
static char text[DNS_RDATA_MAX_BYTES * 4];

static int name(const char *s, const char *origin_text, unsigned flags)
{
	uint8_t origin[DNS_NAME_MAX_BYTES];
	size_t origin_len = 0;

	err[0] = '\0';
	if (origin_text != NULL && dnstext_name_from_text(origin_text, strlen(origin_text), NULL, 0,
							  0, origin, &origin_len, NULL, 0) < 0)
		return -100;
	return dnstext_name_from_text(s, strlen(s), origin_text ? origin : NULL, origin_len, flags,
				      wire, &wire_len, err, sizeof(err));
}

static bool wire_is(const char *expected, size_t len)
{
	return wire_len == len && memcmp(wire, expected, len) == 0;
}

static void test_name_basic(void)
{
	CHECK_EQ(name("www.Example.COM", NULL, 0), 0);
	CHECK(wire_is("\3www\7example\3com", 17));
	CHECK_EQ(name("www.example.com.", NULL, 0), 0);
	CHECK(wire_is("\3www\7example\3com", 17));
	CHECK_EQ(name(".", NULL, 0), 0);
	CHECK(wire_is("", 1));
	/* relative to an origin, and @ */
	CHECK_EQ(name("www", "example.com.", 0), 0);
	CHECK(wire_is("\3www\7example\3com", 17));
	CHECK_EQ(name("@", "example.com.", 0), 0);
	CHECK(wire_is("\7example\3com", 13));
	CHECK_EQ(name("host.other.", "example.com.", 0), 0);
	CHECK(wire_is("\4host\5other", 12));
	/* the wildcard label */
	CHECK_EQ(name("*.example.com", NULL, 0), 0);
	CHECK(dnstext_name_is_wildcard(wire, wire_len));
	CHECK_EQ(name("\\052.example.com", NULL, DNS_TEXT_OCTAL), 0);
	CHECK(dnstext_name_is_wildcard(wire, wire_len));
	CHECK_EQ(name("a.*.example.com", NULL, 0), 0);
	CHECK(!dnstext_name_is_wildcard(wire, wire_len));
}

static void test_name_escapes(void)
{
	/* \. is a dot inside a label; \DDD decimal, lowercased */
	CHECK_EQ(name("a\\.b.example.com.", NULL, 0), 0);
	CHECK(wire_is("\3a.b\7example\3com", 17));
	CHECK_EQ(name("\\065bc.com", NULL, 0), 0);
	CHECK(wire_is("\3abc\3com", 9));
	/* Route 53's octal: \101 is 'A' */
	CHECK_EQ(name("\\101bc.com", NULL, DNS_TEXT_OCTAL), 0);
	CHECK(wire_is("\3abc\3com", 9));
	CHECK_EQ(name("\\999.com", NULL, 0), -EINVAL);
	CHECK(strcmp(err, "InvalidEscape (Escape sequence is not valid)") == 0);
	CHECK_EQ(name("\\089.com", NULL, DNS_TEXT_OCTAL), -EINVAL);
	CHECK_EQ(name("a b.com", NULL, 0), -EINVAL);
	CHECK(
	    strcmp(err, "DomainNameIllegalCharacter (Domain name contains an illegal character)") ==
	    0);
}

static void test_name_limits(void)
{
	char buf[400];

	memset(buf, 'a', 63);
	strcpy(buf + 63, ".com");
	CHECK_EQ(name(buf, NULL, 0), 0);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".com");
	CHECK_EQ(name(buf, NULL, 0), -EINVAL);
	CHECK(strcmp(err, "DomainLabelTooLong (Domain label is too long)") == 0);
	/* 4 labels of 63: 4*64 + 1 = 257 bytes of wire */
	buf[0] = '\0';
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(buf);
		memset(buf + n, 'b', 63);
		strcpy(buf + n + 63, ".");
	}
	CHECK_EQ(name(buf, NULL, 0), -EINVAL);
	CHECK(strcmp(err, "DomainNameTooLong (Domain name is too long)") == 0);
	/* 253 characters of text = 255 bytes of wire: the most allowed */
	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(buf);
		memset(buf + n, 'c', 63);
		strcpy(buf + n + 63, ".");
	}
	memset(buf + strlen(buf), 'd', 61);
	buf[63 * 3 + 3 + 61] = '\0';
	CHECK_EQ(strlen(buf), 253);
	CHECK_EQ(name(buf, NULL, 0), 0);
	CHECK_EQ(wire_len, 255);
	CHECK_EQ(name("a..b", NULL, 0), -EINVAL);
	CHECK(strcmp(err, "DomainLabelEmpty (Domain label is empty)") == 0);
	CHECK_EQ(name("", NULL, 0), -EINVAL);
	CHECK(strcmp(err, "DomainNameEmpty (Domain name is empty)") == 0);
	CHECK_EQ(name(".com", NULL, 0), -EINVAL);
	/* too long once the origin is added */
	memset(buf, 'e', 63);
	strcpy(buf + 63, ".");
	memset(buf + 64, 'e', 63);
	strcpy(buf + 127, ".");
	memset(buf + 128, 'e', 63);
	buf[191] = '\0';
	CHECK_EQ(name(buf, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.", 0),
		 -EINVAL);
}

static void test_name_text(void)
{
	char out[DNS_NAME_TEXT_MAX];

	name("a\\.b.example.com", NULL, 0);
	CHECK_EQ(dnstext_name_to_text(wire, wire_len, 0, out, sizeof(out)), 17);
	CHECK(strcmp(out, "a\\.b.example.com.") == 0);
	name("*.ex-am_ple.com", NULL, 0);
	dnstext_name_to_text(wire, wire_len, 0, out, sizeof(out));
	CHECK(strcmp(out, "*.ex-am_ple.com.") == 0);
	dnstext_name_to_text(wire, wire_len, DNS_TEXT_OCTAL, out, sizeof(out));
	CHECK(strcmp(out, "\\052.ex-am_ple.com.") == 0);
	name("\\009x\\;.com", NULL, 0);
	dnstext_name_to_text(wire, wire_len, 0, out, sizeof(out));
	CHECK(strcmp(out, "\\009x\\;.com.") == 0);
	dnstext_name_to_text(wire, wire_len, DNS_TEXT_OCTAL, out, sizeof(out));
	CHECK(strcmp(out, "\\011x\\073.com.") == 0);
	name(".", NULL, 0);
	dnstext_name_to_text(wire, wire_len, 0, out, sizeof(out));
	CHECK(strcmp(out, ".") == 0);
	name("www.example.com", NULL, 0);
	CHECK_EQ(dnstext_name_to_text(wire, wire_len, 0, out, 10), -ENOSPC);
	CHECK_EQ(dnstext_name_to_text((const uint8_t *)"\5ab", 3, 0, out, sizeof(out)), -EINVAL);
}

static void test_name_relations(void)
{
	const uint8_t apex[] = "\7example\3com";
	const uint8_t www[] = "\3www\7example\3com";
	const uint8_t other[] = "\10xexample\3com";

	CHECK(dnstext_name_is_under(www, sizeof(www), apex, sizeof(apex)));
	CHECK(dnstext_name_is_under(apex, sizeof(apex), apex, sizeof(apex)));
	CHECK(!dnstext_name_is_under(other, sizeof(other), apex, sizeof(apex)));
	CHECK(!dnstext_name_is_under(apex, sizeof(apex), www, sizeof(www)));
	CHECK_EQ(dnstext_name_labels(www, sizeof(www)), 3);
	CHECK_EQ(dnstext_name_wire_len(www, sizeof(www)), sizeof(www));
	CHECK_EQ(dnstext_name_wire_len(www, 5), 0);
	/* RFC 4034 6.1: example < a.example < yljkjljk.a.example < Z.a.example < zABC.a.EXAMPLE <
	 * z.example */
	const char *order[] = {"example",	  "a.example",	    "yljkjljk.a.example",
			       "Z.a.example",	  "zABC.a.EXAMPLE", "z.example",
			       "\\001.z.example", "*.z.example",    "\\200.z.example"};
	uint8_t prev[DNS_NAME_MAX_BYTES];
	size_t prev_len = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		CHECK_EQ(name(order[i], NULL, 0), 0);
		if (i > 0) {
			CHECK(dnstext_name_compare(prev, prev_len, wire, wire_len) < 0);
			CHECK(dnstext_name_compare(wire, wire_len, prev, prev_len) > 0);
		}
		CHECK_EQ(dnstext_name_compare(wire, wire_len, wire, wire_len), 0);
		memcpy(prev, wire, wire_len);
		prev_len = wire_len;
	}
}

static void test_ttl(void)
{
	uint32_t ttl;

	CHECK_EQ(dnstext_ttl_from_text("3600", 4, &ttl), 0);
	CHECK_EQ(ttl, 3600);
	CHECK_EQ(dnstext_ttl_from_text("1h30m", 5, &ttl), 0);
	CHECK_EQ(ttl, 5400);
	CHECK_EQ(dnstext_ttl_from_text("1W2d3H4M5s", 10, &ttl), 0);
	CHECK_EQ(ttl, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	CHECK_EQ(dnstext_ttl_from_text("1h30", 4, &ttl), 0);
	CHECK_EQ(ttl, 3630);
	CHECK_EQ(dnstext_ttl_from_text("2147483647", 10, &ttl), 0);
	CHECK_EQ(dnstext_ttl_from_text("2147483648", 10, &ttl), -ERANGE);
	CHECK_EQ(dnstext_ttl_from_text("h", 1, &ttl), -EINVAL);
	CHECK_EQ(dnstext_ttl_from_text("", 0, &ttl), -EINVAL);
	CHECK_EQ(dnstext_ttl_from_text("10x", 3, &ttl), -EINVAL);
	CHECK_EQ(dnstext_ttl_from_text("-1", 2, &ttl), -EINVAL);
}

static void test_types(void)
{
	CHECK_EQ(dnstext_type_from_name("aaaa", 4), DNS_TYPE_AAAA);
	CHECK_EQ(dnstext_type_from_name("CAA", 3), DNS_TYPE_CAA);
	CHECK_EQ(dnstext_type_from_name("NAPTRX", 5), DNS_TYPE_NAPTR);
	CHECK_EQ(dnstext_type_from_name("HINFO", 5), -EINVAL);
	CHECK(strcmp(dnstext_type_name(DNS_TYPE_SPF), "SPF") == 0);
	CHECK(dnstext_type_name(13) == NULL);
}

/* Parse text (Route 53 dialect when octal), print it back, compare. */
static int rd(uint16_t type, const char *in, unsigned flags)
{
	err[0] = '\0';
	text[0] = '\0';
	int rc = dnstext_rdata_from_text(type, in, strlen(in), NULL, 0, flags, wire, sizeof(wire),
					 &wire_len, err, sizeof(err));
	if (rc < 0)
		return rc;
	rc = dnstext_rdata_to_text(type, wire, wire_len, flags, text, sizeof(text));
	return rc < 0 ? rc : 0;
}

static void test_rdata_round_trips(void)
{
	CHECK_EQ(rd(DNS_TYPE_A, "192.0.2.1", 0), 0);
	CHECK(wire_is("\xc0\x00\x02\x01", 4));
	CHECK(strcmp(text, "192.0.2.1") == 0);
	CHECK_EQ(rd(DNS_TYPE_AAAA, "2001:DB8::1", 0), 0);
	CHECK_EQ(wire_len, 16);
	CHECK(strcmp(text, "2001:db8::1") == 0);
	CHECK_EQ(rd(DNS_TYPE_CNAME, "WWW.example.com", 0), 0);
	CHECK(strcmp(text, "www.example.com.") == 0);
	CHECK_EQ(rd(DNS_TYPE_NS, "ns-1.awsdns-01.org.", 0), 0);
	CHECK(strcmp(text, "ns-1.awsdns-01.org.") == 0);
	CHECK_EQ(rd(DNS_TYPE_PTR, "host.example.com", 0), 0);
	CHECK_EQ(rd(DNS_TYPE_MX, "10 mail.example.com", 0), 0);
	CHECK(wire_is("\0\12\4mail\7example\3com", 20));
	CHECK(strcmp(text, "10 mail.example.com.") == 0);
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"v=spf1 -all\"", 0), 0);
	CHECK(wire_is("\13v=spf1 -all", 12));
	CHECK(strcmp(text, "\"v=spf1 -all\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"a; b\"   \"c \\\"d\\\\\" bare", 0), 0);
	CHECK(wire_is("\4a; b\5c \"d\\\4bare", 16));
	CHECK(strcmp(text, "\"a; b\" \"c \\\"d\\\\\" \"bare\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"\"", 0), 0);
	CHECK(wire_is("", 1));
	CHECK_EQ(rd(DNS_TYPE_SPF, "\"v=spf1 include:amazonses.com -all\"", 0), 0);
	/* escapes: decimal in zone files, octal in Route 53 */
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"tab\\009x\"", 0), 0);
	CHECK(wire_is("\5tab\tx", 6));
	CHECK(strcmp(text, "\"tab\\009x\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"tab\\011x\"", DNS_TEXT_OCTAL), 0);
	CHECK(wire_is("\5tab\tx", 6));
	CHECK(strcmp(text, "\"tab\\011x\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_SOA,
		    "ns-2048.awsdns-64.net. hostmaster.example.com. 1 7200 900 1209600 86400", 0),
		 0);
	CHECK(strcmp(text, "ns-2048.awsdns-64.net. hostmaster.example.com. 1 7200 900 1209600 "
			   "86400") == 0);
	CHECK_EQ(rd(DNS_TYPE_SOA, "ns1.example.com. h.example.com. 4294967295 2h 15m 2w 1d", 0), 0);
	CHECK(strcmp(text, "ns1.example.com. h.example.com. 4294967295 7200 900 1209600 86400") ==
	      0);
	CHECK_EQ(rd(DNS_TYPE_SRV, "10 5 5060 sip.example.com", 0), 0);
	CHECK(strcmp(text, "10 5 5060 sip.example.com.") == 0);
	CHECK_EQ(rd(DNS_TYPE_CAA, "0 issue \"amazon.com\"", 0), 0);
	CHECK(wire_is("\0\5issueamazon.com", 17));
	CHECK(strcmp(text, "0 issue \"amazon.com\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_CAA, "128 iodef \"mailto:security@example.com\"", 0), 0);
	CHECK_EQ(rd(DNS_TYPE_CAA, "0 issue \";\"", 0), 0);
	CHECK(strcmp(text, "0 issue \";\"") == 0);
	CHECK_EQ(rd(DNS_TYPE_DS,
		    "12345 13 2 "
		    "abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF01 23456789",
		    0),
		 0);
	CHECK_EQ(wire_len, 4 + 32);
	CHECK(strcmp(text,
		     "12345 13 2 "
		     "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789") == 0);
	CHECK_EQ(
	    rd(DNS_TYPE_NAPTR, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", 0), 0);
	CHECK(strcmp(text, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .") == 0);
	/* a relative name in rdata takes the origin */
	uint8_t origin[] = "\7example\3com";
	CHECK_EQ(dnstext_rdata_from_text(DNS_TYPE_MX, "5 mx", 4, origin, sizeof(origin), 0, wire,
					 sizeof(wire), &wire_len, err, sizeof(err)),
		 0);
	CHECK(wire_is("\0\5\2mx\7example\3com", 18));
}

static void test_rdata_errors(void)
{
	char big[300];

	CHECK_EQ(rd(DNS_TYPE_A, "1.2.3", 0), -EINVAL);
	CHECK(strcmp(err, "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)") == 0);
	CHECK_EQ(rd(DNS_TYPE_A, "1.2.3.4 5", 0), -EINVAL);
	CHECK(strcmp(err, "ARRDATATooManyFields (Value contains too many fields)") == 0);
	CHECK_EQ(rd(DNS_TYPE_A, "", 0), -EINVAL);
	CHECK(strcmp(err, "ARRDATATooFewFields (Value contains too few fields)") == 0);
	CHECK_EQ(rd(DNS_TYPE_AAAA, "2001:db8:::1", 0), -EINVAL);
	CHECK(strcmp(err, "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)") == 0);
	CHECK_EQ(rd(DNS_TYPE_MX, "mail.example.com", 0), -EINVAL);
	CHECK(strcmp(err, "MXRRDATAIllegalInteger (Value contains an illegal integer)") == 0);
	CHECK_EQ(rd(DNS_TYPE_MX, "10", 0), -EINVAL);
	CHECK(strcmp(err, "MXRRDATATooFewFields (Value contains too few fields)") == 0);
	CHECK_EQ(rd(DNS_TYPE_MX, "65536 a.b", 0), -EINVAL);
	CHECK_EQ(rd(DNS_TYPE_CNAME, "a..b", 0), -EINVAL);
	CHECK(strcmp(err, "DomainLabelEmpty (Domain label is empty)") == 0);
	CHECK_EQ(rd(DNS_TYPE_TXT, "\"unterminated", 0), -EINVAL);
	CHECK(strcmp(err, "InvalidCharacterString (Value should be enclosed in quotation marks)") ==
	      0);
	memset(big, 'x', sizeof(big));
	big[0] = '"';
	big[257] = '"';
	big[258] = '\0';
	CHECK_EQ(rd(DNS_TYPE_TXT, big, 0), -EINVAL); /* 256 bytes */
	CHECK(strcmp(err, "CharacterStringTooLong (Value is too long)") == 0);
	big[256] = '"';
	big[257] = '\0';
	CHECK_EQ(rd(DNS_TYPE_TXT, big, 0), 0); /* 255 bytes */
	CHECK_EQ(wire_len, 256);
	CHECK_EQ(rd(DNS_TYPE_TXT, "", 0), -EINVAL);
	CHECK(strcmp(err, "TXTRRDATATooFewFields (Value contains too few fields)") == 0);
	CHECK_EQ(rd(DNS_TYPE_CAA, "0 is-sue \"x\"", 0), -EINVAL);
	CHECK(strcmp(err, "CAARRDATAIllegalTag (Value contains an illegal tag)") == 0);
	CHECK_EQ(rd(DNS_TYPE_CAA, "256 issue \"x\"", 0), -EINVAL);
	CHECK_EQ(rd(DNS_TYPE_DS, "1 2 3 abc", 0), -EINVAL);
	CHECK(strcmp(err, "DSRRDATAIllegalDigest (Value contains an illegal digest)") == 0);
	CHECK_EQ(rd(DNS_TYPE_DS, "1 2 3", 0), -EINVAL);
	CHECK_EQ(rd(DNS_TYPE_SOA, "a. b. 1 2 3 4", 0), -EINVAL);
	CHECK(strcmp(err, "SOARRDATATooFewFields (Value contains too few fields)") == 0);
	CHECK_EQ(rd(DNS_TYPE_SRV, "1 2 3 a. b.", 0), -EINVAL);
	CHECK_EQ(rd(DNS_TYPE_NAPTR, "1 2 \"a\" \"b\" \"c\"", 0), -EINVAL);
	CHECK_EQ(rd(13, "x", 0), -ENOTSUP);
	/* output bounds and malformed wire */
	CHECK_EQ(
	    dnstext_rdata_to_text(DNS_TYPE_A, (const uint8_t *)"\1\2\3", 3, 0, text, sizeof(text)),
	    -EINVAL);
	CHECK_EQ(dnstext_rdata_to_text(DNS_TYPE_MX, (const uint8_t *)"\0\1\3ab", 5, 0, text,
				       sizeof(text)),
		 -EINVAL);
	rd(DNS_TYPE_TXT, "\"hello\"", 0);
	CHECK_EQ(dnstext_rdata_to_text(DNS_TYPE_TXT, wire, wire_len, 0, text, 4), -ENOSPC);
}

int main(void)
{
	RUN(test_name_basic);
	RUN(test_name_escapes);
	RUN(test_name_limits);
	RUN(test_name_text);
	RUN(test_name_relations);
	RUN(test_ttl);
	RUN(test_types);
	RUN(test_rdata_round_trips);
	RUN(test_rdata_errors);
	return tap_done();
}
