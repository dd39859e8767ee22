/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bmc_private: what every piece of the BMC side shares (bmc_session.c,
 * bmc_lan.c, bmc_read.c, bmc_restore.c, bmc_user.c) and nothing else
 * includes: the struct bmc itself, the session calls and the one judge of a
 * command's result. The pieces include this header and bmc.h, never each
 * other; change.c and lantxn.c stand above and beside them (bmc.h only,
 * and nothing of FreeIPMI, respectively).
 */
#ifndef IPMI_AGENTX_BMC_PRIVATE_H
#define IPMI_AGENTX_BMC_PRIVATE_H

#include <freeipmi/freeipmi.h>

#include "bmc.h"
#include "errtext.h"
#include "reach.h"
#include "secret.h"

/* A change that must be undone once the BMC answers again (bmc_remember_restore). */
struct bmc_restore {
	bool active;
	unsigned fields;
	struct lanconf target;
};

struct bmc {
	const struct config_bmc *cfg;
	ipmi_ctx_t ctx;
	bool open;
	char *password;		 /* the login password in use; private copy, NULL = none */
	char *previous_password; /* before the last proven change of our own password */
	bool previous_valid;	 /* previous_password holds an undo (NULL = no password) */
	/* Set over SNMP for a user that may be the agent's own: tried if the login is refused. */
	char *pending_password;
	double last_io;	 /* monotonic seconds at the end of the last call */
	double deadline; /* bmc_set_deadline(); 0 = none */
	bool channels_known;
	char discovery_note[BMC_ERROR_MAX]; /* how the channels were found, when not as usual */
	bool no_channel_logged;		    /* "no LAN channel" was said once */
	size_t nchannels;
	uint8_t channels[CONFIG_MAX_CHANNELS];
	bool session_user_known;
	bool session_user_is;
	bool own_user_unknown_logged; /* "cannot tell" was logged: say when it is known */
	/* Set when a login failed during the current call: one try per call bounds its time. */
	bool open_failed;
	char open_error[BMC_ERROR_MAX];
	uint16_t stale_locks; /* channels whose set-in-progress we may have left taken */
	bool sip_retried;     /* the last Set In Progress outlasted a retransmission interval */
	bool inband_probed;   /* ipmi_ctx_find_inband ran once */
	ipmi_driver_type_t inband_driver;		     /* what it (or a later open) found */
	struct bmc_restore restore[LANCONF_CHANNEL_MAX + 1]; /* by channel number */
	/*
	 * Where sessions go (out-of-band): the address of the last session that
	 * opened, or the learned one (learned.h) before any did. Each new session
	 * resolves host: again and tries, in turn, this address, `alt` and the
	 * resolved one; the first that answers becomes the path.
	 */
	struct reach_path path;
	bool has_alt; /* the other side of a move that could not be confirmed */
	uint8_t alt[4];
	char away[BMC_ERROR_MAX]; /* why the BMC left the agent's reach (an applied cut-off), or "" */
};

/* Every public call starts here: one login try per call, idle sessions dropped. */
void bmc_enter(struct bmc *b);
/* ... and ends here. */
void bmc_leave(struct bmc *b);

enum bmc_status bmc_session_ensure(struct bmc *b, char *err, size_t errlen);
/*
 * The BMC is to be reached at addr from now on (a SET moved the address the
 * agent reaches it at): close the session and open one there, trying until
 * the SET's deadline (at least one session timeout) when `wait`, else once.
 * The address left behind is kept as the alternative until a session opens.
 */
enum bmc_status bmc_session_relocate(struct bmc *b, const uint8_t addr[4], bool wait, char *err,
				     size_t errlen);
void bmc_session_close(struct bmc *b);
/*
 * Open a second, short session with `password` instead of the agent's own:
 * BMC_OK when the BMC accepts the login, BMC_INVALID when it refuses the
 * password, anything else when the attempt proves nothing (no reply, no free
 * session slot). Used to prove a password.
 */
enum bmc_status bmc_session_try_login(struct bmc *b, const char *password, char *err,
				      size_t errlen);

/*
 * Judge the result of one libfreeipmi command. A reply with a non-zero
 * completion code leaves the session alone; anything else (no reply, a
 * broken session, a local error) closes it so the next call reconnects.
 * invalid_is_unsupported: cc 0xCC means "no such feature" (identify).
 */
enum bmc_status bmc_cmd_result(struct bmc *b, int rc, fiid_obj_t rs, const char *what,
			       bool invalid_is_unsupported, uint8_t *cc_out, char *err,
			       size_t errlen);
/* libfreeipmi's retransmission interval for this BMC's sessions (0: none, in-band). */
unsigned bmc_retransmission_ms(const struct bmc *b);
/* The same for a raw reply's completion code byte. */
enum bmc_status bmc_status_from_cc(uint8_t cc, bool invalid_is_unsupported);
const char *bmc_cc_name(uint8_t cmd, uint8_t cc);

/*
 * bmc_restore.c: after a good read, put back on each channel what a failed
 * SET left changed (bmc_remember_restore); `channels` then holds what the
 * BMC has now.
 */
void bmc_restore_reconcile(struct bmc *b, struct bmc_channel *channels, size_t n);

/*
 * bmc_lan.c: does `channel` answer a LAN parameter (its IP address)? BMC_OK
 * if so; a refusal's completion code in *cc (0 for no reply).
 */
enum bmc_status bmc_lan_probe(struct bmc *b, uint8_t channel, uint8_t *cc, char *err,
			      size_t errlen);

/* bmc_lan.c: one LAN change as a transaction (lantxn.h), nothing remembered. */
enum bmc_status bmc_lan_apply(struct bmc *b, uint8_t channel, const struct lanconf *from,
			      const struct lanconf *to, unsigned fields, struct lanconf *readback,
			      bool *readback_ok, char *err, size_t errlen);

/*
 * bmc_lan.c: read `fields` of a channel into *lan (other fields untouched).
 * An optional field the BMC lacks reads as zero and is added to *absent (may
 * be NULL); a mandatory one it lacks is an error.
 */
enum bmc_status bmc_lan_read(struct bmc *b, uint8_t channel, unsigned fields, struct lanconf *lan,
			     unsigned *absent, char *err, size_t errlen);

#endif
