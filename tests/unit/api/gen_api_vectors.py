#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write api_vectors.h for test_api.c: expected values made by botocore, not by
pop's code.

- SigV4: requests signed by botocore's SigV4Auth at a fixed time; the test
  recomputes each signature from the raw request with api_sigv4_sign().
- Requests: operation parameters serialized by botocore's own serializers
  (rest-xml and rest-json) into method, path, query, headers and body; the
  test routes and translates them back and must get the parameters again.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
import botocore.credentials
import botocore.model
import botocore.serialize
import botocore.session
from botocore.awsrequest import AWSRequest

HOST = "127.0.0.1:8443"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
KEY_ID = "AKIDEXAMPLE"
WHEN = datetime.datetime(2026, 11, 27, 13, 0, 0)


def c(s):
    return json.dumps(s)


class Fixed(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return WHEN


def sign(method, path, query, headers, body, service, region):
    url = "https://%s%s%s" % (HOST, path, "?" + query if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    creds = botocore.credentials.Credentials(KEY_ID, SECRET)
    with mock.patch.object(botocore.auth.datetime, "datetime", Fixed):
        botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    raw = "%s %s%s HTTP/1.1\r\nHost: %s\r\n" % (method, path, "?" + query if query else "", HOST)
    for k, v in req.headers.items():
        raw += "%s: %s\r\n" % (k, v.decode() if isinstance(v, bytes) else v)
    b = body.encode() if isinstance(body, str) else (body or b"")
    raw += "Content-Length: %d\r\n\r\n" % len(b)
    return raw + b.decode()


SIGV4 = [
    ("GET", "/2013-04-01/hostedzone", "", {}, "", "route53", "us-east-1"),
    ("GET", "/2013-04-01/hostedzone/Z1/rrset", "name=www.example.com&type=A&maxitems=2", {},
     "", "route53", "us-east-1"),
    ("GET", "/2013-04-01/hostedzone", "maxitems=10&marker=Z%2F1", {"X-Custom": "a   b  c "},
     "", "route53", "eu-west-1"),
    ("POST", "/2013-04-01/hostedzone/Z1/rrset/", "",
     {"Content-Type": "text/xml"}, "<ChangeResourceRecordSetsRequest/>", "route53", "us-east-1"),
    ("PUT", "/2020-05-31/distribution/E1/config", "",
     {"If-Match": "E2QWRUHAPOMQZL"}, "<DistributionConfig></DistributionConfig>", "cloudfront",
     "us-east-1"),
    ("GET", "/zonalshifts", "status=ACTIVE&maxResults=5&nextToken=a%2Bb", {}, "",
     "arc-zonal-shift", "eu-central-1"),
    ("GET", "/2013-04-01/hostedzone/Z%3A1/rrset", "a=2&a=1&b=", {}, "", "route53", "us-east-1"),
]

REQUESTS = [
    ("route53", "ListHostedZones", {"MaxItems": "5", "Marker": "Z1"}),
    ("route53", "GetHostedZone", {"Id": "ZABC"}),
    ("route53", "CreateHostedZone", {"Name": "example.com", "CallerReference": "r<&>1",
                                     "HostedZoneConfig": {"Comment": "x", "PrivateZone": False}}),
    ("route53", "ChangeResourceRecordSets", {"HostedZoneId": "Z1", "ChangeBatch": {
        "Comment": "c", "Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": "www.example.com", "Type": "A", "TTL": 60, "SetIdentifier": "a",
                "Weight": 10, "ResourceRecords": [{"Value": "198.18.1.1"},
                                                  {"Value": "198.18.1.2"}]}},
            {"Action": "DELETE", "ResourceRecordSet": {
                "Name": "geo.example.com", "Type": "A", "SetIdentifier": "eu",
                "GeoLocation": {"ContinentCode": "EU"},
                "AliasTarget": {"HostedZoneId": "Z2", "DNSName": "x.example.com",
                                "EvaluateTargetHealth": True}}}]}}),
    ("route53", "ListResourceRecordSets", {"HostedZoneId": "Z1", "StartRecordName": "a b",
                                           "StartRecordType": "TXT", "MaxItems": "3"}),
    ("route53", "GetChange", {"Id": "C123"}),
    ("cloudfront", "GetDistribution", {"Id": "E1"}),
    ("cloudfront", "DeleteDistribution", {"Id": "E1", "IfMatch": "E2"}),
    ("cloudfront", "ListDistributions", {"Marker": "E0", "MaxItems": "2"}),
    ("cloudfront", "CreateInvalidation", {"DistributionId": "E1", "InvalidationBatch": {
        "Paths": {"Quantity": 2, "Items": ["/a", "/b/*"]}, "CallerReference": "ref"}}),
    ("cloudfront", "UpdateDistribution", {"Id": "E1", "IfMatch": "E2", "DistributionConfig": {
        "CallerReference": "r", "Comment": "", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["cdn.example.com"]},
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "o", "DomainName": "origin.example.com",
            "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-A",
                                                       "HeaderValue": "1"}]},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                   "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}}),
    ("cloudfront", "ListCachePolicies", {"Type": "managed"}),
    ("arc-zonal-shift", "StartZonalShift", {"resourceIdentifier": "arn:aws:x", "awayFrom":
                                            "use1-az1", "expiresIn": "2h", "comment": "c"}),
    ("arc-zonal-shift", "UpdateZonalShift", {"zonalShiftId": "zs-000001", "comment": "d"}),
    ("arc-zonal-shift", "ListZonalShifts", {"status": "ACTIVE", "maxResults": 5}),
]


def main():
    session = botocore.session.get_session()
    out = ["/* Generated by gen_api_vectors.py with botocore %s. Do not edit. */"
           % botocore.__version__,
           "static const char *const sigv4_secret = %s;" % c(SECRET),
           "static const char *const sigv4_requests[] = {"]
    for v in SIGV4:
        out.append("\t%s," % c(sign(*v)))
    out.append("};")
    out.append("struct request_vector { const char *operation, *raw, *params; };")
    out.append("static const struct request_vector request_vectors[] = {")
    for service, op, params in REQUESTS:
        model = session.get_service_model(service)
        opm = model.operation_model(op)
        ser = botocore.serialize.create_serializer(model.metadata["protocol"])
        d = ser.serialize_to_request(params, opm)
        path = d["url_path"]
        q = d["query_string"]
        from botocore.utils import percent_encode_sequence
        qs = percent_encode_sequence(q) if isinstance(q, dict) and q else (q or "")
        body = d["body"]
        if isinstance(body, bytes):
            body = body.decode()
        raw = "%s %s%s HTTP/1.1\r\nHost: %s\r\n" % (d["method"], path, "?" + qs if qs else "",
                                                    HOST)
        for k, v in d["headers"].items():
            raw += "%s: %s\r\n" % (k, v)
        raw += "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)
        out.append("\t{%s, %s, %s}," % (c(op), c(raw), c(json.dumps(params))))
    out.append("};")
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(out) + "\n")


main()
