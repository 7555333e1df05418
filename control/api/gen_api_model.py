#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generate api_model.c from botocore's service models (Route 53, CloudFront,
ARC zonal shift): for each operation its HTTP method and URI template, the
control command it maps to, and the shapes of its input and output (member
names on the wire, where each member travels: URI, query string, header or
body, list element names, flattening, types), so that one generic translator
in api_rest.c and api_xml.c serves every operation.

Run by meson at build time: gen_api_model.py OUTPUT [BOTOCORE_DATA_DIR].
Without a directory it asks the botocore package where its data is.
"""
import gzip
import json
import os
import re
import sys

# service directory, command prefix, IAM action prefix
SERVICES = [
    ("route53", "route53", "route53"),
    ("cloudfront", "cloudfront", "cloudfront"),
    ("arc-zonal-shift", "arc", "arc-zonal-shift"),
]
TYPES = ["structure", "list", "map", "string", "integer", "long", "boolean",
         "double", "float", "timestamp", "blob"]
LOCATIONS = ["", "uri", "querystring", "header", "headers", "statusCode"]
# Resource ARNs that IAM policies name, found in the URI templates.
ARN_PATTERNS = {
    "route53": [("/hostedzone/{", "arn:aws:route53:::hostedzone/"),
                ("/change/{", "arn:aws:route53:::change/"),
                ("/healthcheck/{", "arn:aws:route53:::healthcheck/")],
    "cloudfront": [("/distribution/{", "arn:aws:cloudfront::{account}:distribution/"),
                   ("/cache-policy/{", "arn:aws:cloudfront::{account}:cache-policy/"),
                   ("/origin-request-policy/{",
                    "arn:aws:cloudfront::{account}:origin-request-policy/"),
                   ("/response-headers-policy/{",
                    "arn:aws:cloudfront::{account}:response-headers-policy/")],
    "arc-zonal-shift": [],
}


def data_dir():
    if len(sys.argv) > 2:
        return sys.argv[2]
    # Debian's python3-botocore (the declared build dependency) first.
    debian = "/usr/lib/python3/dist-packages/botocore/data"
    if os.path.isdir(debian):
        return debian
    try:
        import botocore
        return os.path.join(os.path.dirname(botocore.__file__), "data")
    except ImportError:
        pass
    for d in sys.path + ["/usr/lib/python3/dist-packages"]:
        p = os.path.join(d, "botocore", "data")
        if os.path.isdir(p):
            return p
    sys.exit("gen_api_model.py: botocore's data not found (install python3-botocore)")


def kebab(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", s)
    return s.lower()


def cstr(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    base = data_dir()
    shapes_out = []      # (service, name) in order
    shape_index = {}
    members_out = []
    ops_out = []
    errors_out = []
    services_out = []

    for si, (sdir, prefix, iam) in enumerate(SERVICES):
        versions = sorted(os.listdir(os.path.join(base, sdir)))
        path = os.path.join(base, sdir, versions[-1], "service-2.json")
        if os.path.exists(path):
            model = json.load(open(path))
        else:
            model = json.load(gzip.open(path + ".gz"))
        meta = model["metadata"]
        shapes = model["shapes"]
        xmlns = None
        for op in model["operations"].values():
            ns = op.get("input", {}).get("xmlNamespace", {}).get("uri")
            if ns:
                xmlns = ns
                break
        if xmlns is None and meta["protocol"] == "rest-xml":
            xmlns = "http://%s.amazonaws.com/doc/%s/" % (meta["endpointPrefix"],
                                                         meta["apiVersion"])
        services_out.append((sdir, meta.get("signingName", meta["endpointPrefix"]),
                             meta["protocol"], xmlns, prefix, iam, meta["apiVersion"]))

        def visit(name):
            key = (si, name)
            if key in shape_index:
                return shape_index[key]
            idx = len(shapes_out)
            shape_index[key] = idx
            shapes_out.append(None)
            s = shapes[name]
            t = s["type"]
            rec = {"type": t, "name": name, "first": 0, "count": 0, "item": 0,
                   "item_wire": None, "flat": False, "key": 0, "value": 0,
                   "key_wire": None, "value_wire": None, "payload": -1}
            if t == "structure":
                mems = []
                for mname, m in s.get("members", {}).items():
                    mems.append((mname, m))
                rec["count"] = len(mems)
                pending = []
                for mname, m in mems:
                    pending.append((mname, m, visit(m["shape"])))
                rec["first"] = len(members_out)
                for i, (mname, m, sub) in enumerate(pending):
                    loc = m.get("location", "")
                    if loc not in LOCATIONS:
                        loc = ""
                    members_out.append((mname, m.get("locationName", mname), sub,
                                        LOCATIONS.index(loc), m.get("flattened", False)
                                        or shapes[m["shape"]].get("flattened", False),
                                        m.get("xmlAttribute", False)))
                    if s.get("payload") == mname:
                        rec["payload"] = i
            elif t == "list":
                rec["item"] = visit(s["member"]["shape"])
                rec["item_wire"] = s["member"].get("locationName", "member")
                rec["flat"] = s.get("flattened", False)
            elif t == "map":
                rec["key"] = visit(s["key"]["shape"])
                rec["value"] = visit(s["value"]["shape"])
                rec["key_wire"] = s["key"].get("locationName", "key")
                rec["value_wire"] = s["value"].get("locationName", "value")
                rec["flat"] = s.get("flattened", False)
            shapes_out[idx] = rec
            return idx

        for oname in sorted(model["operations"]):
            op = model["operations"][oname]
            http = op["http"]
            inp = op.get("input")
            out = op.get("output")
            in_idx = visit(inp["shape"]) if inp else -1
            out_idx = visit(out["shape"]) if out else -1
            root = inp.get("locationName") if inp else None
            arn = None
            for pat, arn_prefix in ARN_PATTERNS[sdir]:
                p = http["requestUri"].find(pat)
                if p >= 0:
                    var = http["requestUri"][p + len(pat) - 1:].split("}")[0] + "}"
                    arn = arn_prefix + var
                    break
            ops_out.append((si, oname, prefix + " " + kebab(oname), http["method"],
                            http["requestUri"], in_idx, out_idx, root,
                            http.get("responseCode", 200), arn))
        for sname, s in sorted(shapes.items()):
            if s.get("exception"):
                code = s.get("error", {}).get("code", sname)
                errors_out.append((si, code, s.get("error", {}).get("httpStatusCode", 400)))

    lines = ["/* SPDX-License-Identifier: BSD-3-Clause */",
             "/* Generated by gen_api_model.py from botocore's service models. Do not edit. */",
             '#include "api_pvt.h"', "",
             "const struct api_service api_services[] = {"]
    for (sdir, signing, proto, xmlns, prefix, iam, ver) in services_out:
        lines.append("\t{%s, %s, %s, %s, %s, %s, %s}," % (
            cstr(sdir), cstr(signing), "API_PROTO_REST_XML" if proto == "rest-xml"
            else "API_PROTO_REST_JSON", cstr(xmlns), cstr(prefix), cstr(iam), cstr(ver)))
    lines += ["};", "const size_t api_service_count = %d;" % len(services_out), ""]
    lines.append("const struct api_member api_members[] = {")
    for (name, wire, sub, loc, flat, attr) in members_out:
        lines.append("\t{%s, %s, %d, %d, %d, %d}," % (cstr(name), cstr(wire), sub, loc,
                                                       int(bool(flat)), int(bool(attr))))
    lines += ["};", ""]
    lines.append("const struct api_shape api_shapes[] = {")
    for r in shapes_out:
        lines.append("\t{%s, API_T_%s, %d, %d, %d, %s, %d, %d, %d, %s, %s, %d}," % (
            cstr(r["name"]), r["type"].upper(), r["first"], r["count"], r["item"],
            cstr(r["item_wire"]), int(r["flat"]), r["key"], r["value"], cstr(r["key_wire"]),
            cstr(r["value_wire"]), r["payload"]))
    lines += ["};", "const size_t api_shape_count = %d;" % len(shapes_out), ""]
    lines.append("const struct api_operation api_operations[] = {")
    for (si, oname, cmd, method, uri, in_idx, out_idx, root, code, arn) in ops_out:
        lines.append("\t{%d, %s, %s, %s, %s, %d, %d, %s, %d, %s}," % (
            si, cstr(oname), cstr(cmd), cstr(method), cstr(uri), in_idx, out_idx, cstr(root),
            code, cstr(arn)))
    lines += ["};", "const size_t api_operation_count = %d;" % len(ops_out), ""]
    lines.append("const struct api_error_status api_error_statuses[] = {")
    for (si, code, status) in errors_out:
        lines.append("\t{%d, %s, %d}," % (si, cstr(code), status))
    lines += ["};", "const size_t api_error_status_count = %d;" % len(errors_out), ""]
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
