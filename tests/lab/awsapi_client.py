#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""boto3 against pop's AWS API endpoint, for t_awsapi.sh: the checks the AWS
CLI cannot make (signatures made wrong on purpose, a skewed clock, bursts).
Prints one "PASS text" or "FAIL text" line per check.

    awsapi_client.py ENDPOINT CA_BUNDLE KEY_ID SECRET CHECK [ARGS...]
"""
import datetime
import sys
import time
from unittest import mock

import boto3
import botocore.auth
import botocore.exceptions
from botocore.config import Config

endpoint, ca, key_id, secret, check = sys.argv[1:6]
args = sys.argv[6:]
no_retry = Config(retries={"max_attempts": 1, "mode": "legacy"})


def client(service="route53", key=key_id, sec=secret, region="us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, verify=ca, aws_access_key_id=key,
                        aws_secret_access_key=sec, region_name=region, config=no_retry)


def result(ok, text):
    print(("PASS " if ok else "FAIL ") + text)


def expect_error(fn, code, status, text):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        result(got == code and got_status == status,
               "%s: %s %d (got %s %d: %s)" % (text, code, status, got, got_status,
                                             e.response["Error"].get("Message", "")))
        return
    result(False, "%s: %s expected, the call succeeded" % (text, code))


if check == "signatures":
    expect_error(lambda: client(sec=secret[:-1] + ("A" if secret[-1] != "A" else "B"))
                 .list_hosted_zones(), "SignatureDoesNotMatch", 403,
                 "a wrong secret")
    expect_error(lambda: client(key="AKIAAAAAAAAAAAAAAAAA").list_hosted_zones(),
                 "InvalidClientTokenId", 403, "an unknown access key id")
    other = client(region="eu-west-1").list_hosted_zones()["HostedZones"]
    result(isinstance(other, list),
           "a client configured for eu-west-1 (its scope's region) is accepted too")

    # The signer's clock ten minutes behind: the request is refused as stale.
    real = datetime.datetime

    class Skewed(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() - datetime.timedelta(minutes=10)

    with mock.patch.object(botocore.auth.datetime, "datetime", Skewed):
        expect_error(lambda: client().list_hosted_zones(), "RequestTimeTooSkewed", 403,
                     "X-Amz-Date 10 minutes off")
    zones = client().list_hosted_zones()["HostedZones"]
    result(isinstance(zones, list), "the right key still works (%d zones)" % len(zones))

    # A tampered body: the signature covers the payload's SHA-256.
    c = client()

    def tamper(request, **kwargs):
        request.body = request.body.replace(b"sig-check", b"sig-chekk")

    c.meta.events.register_last("before-send.route53.CreateHostedZone", tamper)
    expect_error(lambda: c.create_hosted_zone(Name="sig-check.test", CallerReference="sig"),
                 "SignatureDoesNotMatch", 403, "a body changed after signing")

elif check == "denied":
    # args: zone id allowed, zone id not allowed
    allowed, other = args
    r53 = client()
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "boto.%s" % "PLACEHOLDER", "Type": "TXT", "TTL": 60,
        "ResourceRecords": [{"Value": '"boto3"'}]}}]}
    name = r53.get_hosted_zone(Id=allowed)["HostedZone"]["Name"]
    batch["Changes"][0]["ResourceRecordSet"]["Name"] = "boto." + name
    r = r53.change_resource_record_sets(HostedZoneId=allowed, ChangeBatch=batch)
    result(r["ChangeInfo"]["Status"] in ("PENDING", "INSYNC"),
           "the policy's zone may be changed (%s)" % r["ChangeInfo"]["Id"])
    expect_error(lambda: r53.get_hosted_zone(Id=other), "AccessDenied", 403,
                 "another zone may not be read")
    expect_error(lambda: r53.change_resource_record_sets(HostedZoneId=other, ChangeBatch=batch),
                 "AccessDenied", 403, "another zone may not be changed")
    expect_error(lambda: r53.list_hosted_zones(), "AccessDenied", 403,
                 "listing every zone is not allowed")
    expect_error(lambda: client("cloudfront").list_distributions(), "AccessDenied", 403,
                 "CloudFront is not allowed")

elif check == "explicit-deny":
    zone = args[0]
    expect_error(lambda: client().delete_hosted_zone(Id=zone), "AccessDenied", 403,
                 "an explicit Deny wins over route53:* Allow")
    z = client().get_hosted_zone(Id=zone)
    result(z["HostedZone"]["Id"].endswith(zone), "reading is still allowed")

elif check == "throttle":
    # args: zone id, Burst, RequestsPerSecond. Until the first Throttling, at
    # most 400 requests: the bucket's depth, plus its refill, were answered.
    zone, burst, rate = args[0], int(args[1]), float(args[2])
    r53 = client()
    answered, first, other = 0, None, None
    start = time.monotonic()
    while answered < 400 and first is None and other is None:
        try:
            r53.get_hosted_zone(Id=zone)
            answered += 1
        except botocore.exceptions.ClientError as e:
            code = "%s %d" % (e.response["Error"]["Code"],
                              e.response["ResponseMetadata"]["HTTPStatusCode"])
            if code == "Throttling 400":
                first = code
            else:
                other = code
    elapsed = time.monotonic() - start
    most = burst + rate * elapsed + 1
    result(first is not None and other is None and burst <= answered <= most,
           "Throttling 400 after %d requests in %.1f s (Burst %d, %g per second: %d to %d)"
           % (answered, elapsed, burst, rate, burst, most))
    # Standard retries (as SDKs use by default) ride through Throttling.
    retrying = boto3.client("route53", endpoint_url=endpoint, verify=ca,
                            aws_access_key_id=key_id, aws_secret_access_key=secret,
                            region_name="us-east-1",
                            config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    ok = 0
    for _ in range(10):
        retrying.get_hosted_zone(Id=zone)
        ok += 1
    result(ok == 10, "with standard retries all of 10 more requests succeed")

elif check == "limits":
    # args: Api.MaxConnections, Api.IdleTimeoutSeconds, Api.MaxRequestBytes, Api.MaxHeaders
    import socket
    import ssl
    max_conns, idle_s, max_bytes, max_headers = (int(a) for a in args)
    host, port = endpoint.split("//")[1].split(":")
    ctx = ssl.create_default_context(cafile=ca)

    def connect():
        raw = socket.create_connection((host, int(port)), timeout=5)
        return ctx.wrap_socket(raw, server_hostname=host)

    def exchange(request):
        s = connect()
        s.sendall(request)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionError, socket.timeout, ssl.SSLError):
            pass
        s.close()
        return data.split(b"\r\n", 1)[0].decode(errors="replace")

    held = [connect() for _ in range(max_conns)]
    try:
        extra = connect()
        extra.settimeout(5)
        closed = extra.recv(1) == b""
    except (ConnectionError, ssl.SSLError, OSError):
        closed = True
    result(closed, "connection %d beyond Api.MaxConnections is closed at once" % (max_conns + 1))
    time.sleep(idle_s + 2.5)
    dropped = 0
    for h in held:
        h.settimeout(2)
        try:
            dropped += h.recv(1) == b""
        except (ConnectionError, ssl.SSLError, OSError):
            dropped += 1
        h.close()
    result(dropped == max_conns, "%d of %d idle connections closed after Api.IdleTimeoutSeconds"
           % (dropped, max_conns))
    line = exchange(b"POST /2013-04-01/hostedzone HTTP/1.1\r\nHost: x\r\nContent-Length: %d"
                    b"\r\n\r\n" % (max_bytes + 1))
    result(line.startswith("HTTP/1.1 413"), "a body over Api.MaxRequestBytes: %s" % line)
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(max_headers + 1))
    line = exchange(b"GET /2013-04-01/hostedzone HTTP/1.1\r\n" + headers + b"\r\n")
    result(line.startswith("HTTP/1.1 431"), "more than Api.MaxHeaders headers: %s" % line)
    line = exchange(b"GET /2013-04-01/hostedzone HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    result(line.startswith("HTTP/1.1 501"), "a transfer coding: %s" % line)
    line = exchange(b"GET /2013-04-01/hostedzone HTTP/1.1\r\nHost: x\r\n\r\n")
    result(line.startswith("HTTP/1.1 403"), "no signature at all: %s" % line)

elif check == "boto3-route53":
    r53 = client()
    zone = r53.create_hosted_zone(Name="boto3.test", CallerReference="boto3-1",
                                  HostedZoneConfig={"Comment": "from boto3"})
    zid = zone["HostedZone"]["Id"]
    result(zone["ResponseMetadata"]["HTTPStatusCode"] == 201 and
           zone["ResponseMetadata"]["HTTPHeaders"].get("location", "").endswith(
               zid.split("/")[-1]),
           "CreateHostedZone: 201 with a Location header (%s)" % zid)
    expect_error(lambda: r53.create_hosted_zone(Name="boto3.test", CallerReference="boto3-1"),
                 "HostedZoneAlreadyExists", 409, "the same CallerReference again")
    ch = r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": "a.boto3.test", "Type": "A", "TTL": 30,
            "ResourceRecords": [{"Value": "198.18.1.44"}]}}]})
    r53.get_waiter("resource_record_sets_changed").wait(
        Id=ch["ChangeInfo"]["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    result(r53.get_change(Id=ch["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC",
           "the waiter sees the change INSYNC")
    pages = list(r53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zid, PaginationConfig={"PageSize": 1}))
    names = [s["Name"] for p in pages for s in p["ResourceRecordSets"]]
    result(len(pages) == 3 and names == ["boto3.test.", "boto3.test.", "a.boto3.test."],
           "the paginator walks 3 pages of one record set (%s)" % names)
    sub = r53.get_hosted_zone(Id=zid)["HostedZone"]
    result(isinstance(sub["ResourceRecordSetCount"], int) and sub["ResourceRecordSetCount"] == 3,
           "ResourceRecordSetCount parses as an integer (%r)" % sub["ResourceRecordSetCount"])
    submitted = ch["ChangeInfo"]["SubmittedAt"]
    result(isinstance(submitted, datetime.datetime), "SubmittedAt parses as a datetime")
    print("ZONE %s" % zid.split("/")[-1])

else:
    sys.exit("unknown check %s" % check)
