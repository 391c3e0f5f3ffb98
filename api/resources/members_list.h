/*
 * GET /api/v1/members: the list and its CSV export (members_list.c), kept apart from the
 * single-member routes because choosing how to read a page at national scale is an idea of
 * its own.
 */
#ifndef CDTT_RESOURCES_MEMBERS_LIST_H
#define CDTT_RESOURCES_MEMBERS_LIST_H
#include "../http/http.h"

void members_list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx);

/* A team leader's team (the only one whose members they see), a never-matching id for a leader
 * without one, or NULL for every other caller. */
const char *members_team_of_leader(const struct req_ctx *ctx);

#endif
