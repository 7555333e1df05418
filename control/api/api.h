/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file api.h
 * The AWS API on the appliance: an HTTPS endpoint (its own address and port,
 * kernel sockets, off the data plane) that speaks Route 53 and CloudFront
 * (REST with XML bodies) and ARC zonal shift (REST with JSON) as botocore's
 * service models define them, so the AWS CLI, the SDKs, Terraform and
 * external-dns manage a pop with only their endpoint URL changed.
 *
 * Every request is authenticated with Signature Version 4 against access
 * keys kept in the state store, checked against the key's user policies
 * (Allow/Deny, action wildcards, resource ARNs), rate limited per key, then
 * translated by the model into the JSON args of the control command of the
 * same name ("route53 change-resource-record-sets") and run through the
 * control server exactly as popctl's request would be: one set of handlers,
 * one validation, one store.
 *
 * Commands (popctl iam ...): create-access-key, list-access-keys,
 * update-access-key, delete-access-key, put-user-policy, get-user-policy,
 * list-user-policies, delete-user-policy, in IAM's JSON shapes.
 *
 * Config section "Api" (see config.h): Port (0: off), Listen, certificate
 * and key files (empty: a self-signed pair made on first start in the state
 * directory), connection, size, header, idle and rate bounds.
 *
 * Threads: popd's control thread only.
 */
#ifndef POP_API_H
#define POP_API_H

#include "env.h"

#include <stddef.h>

/** The iam commands. */
extern const struct ctl_command api_commands[];
extern const size_t api_command_count;

/** Create the store tables and load the master key of the secrets. */
int api_init(struct popd_env *env);

/** Listen and serve (when Api.Port is not 0). After the control socket listens. */
int api_start(struct popd_env *env);

/** Close the listener and every connection. */
void api_stop(struct popd_env *env);

#endif /* POP_API_H */
