/* libFuzzer harness for the twin.conf parser. Beyond "no crash", it checks
 * what the daemon relies on: an error is always one "NAME:LINE: ..." line,
 * and an accepted config always satisfies the documented invariants.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Iuserland/lib \
 *       tests/fuzz/fuzz_config.c userland/lib/config.c -o fuzz_config */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

static void must(int cond)
{
	if (!cond)
		abort();
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_config(const struct twin_config *c)
{
	must(terminated(c->node_name, sizeof(c->node_name)) && c->node_name[0]);
	/* the pair keys: all of them (static pair) or none (paired later) */
	if (c->static_pair) {
		must(c->node_id && c->peer_id && c->node_id != c->peer_id);
		must(c->cluster_id != 0);
		must(c->n_vips >= 1);
		must(c->key_file[0] == '/');
	} else {
		must(!c->node_id && !c->peer_id && !c->cluster_id && c->n_vips == 0 && !c->key_file[0]);
	}
	must(c->priority >= 1);
	must(strlen(c->hb_interface) >= 1 && strlen(c->hb_interface) <= 15);
	must(strlen(c->lan_interface) >= 1 && strlen(c->lan_interface) <= 15);
	must(c->udp_port >= 1);
	must(c->hb_interval_us >= 1000 && c->hb_interval_us <= 10000000);
	must(c->hb_misses >= 2 && c->hb_misses <= 1000);
	must((uint64_t)c->hb_interval_us * c->hb_misses <= 60000000ULL);
	must(c->n_vips <= CFG_MAX_VIPS);
	for (size_t i = 0; i < c->n_vips; i++) {
		must(c->vips[i].family == AF_INET || c->vips[i].family == AF_INET6);
		must(c->vips[i].prefix >= 1 &&
		     c->vips[i].prefix <= (c->vips[i].family == AF_INET ? 32 : 128));
		must(strlen(c->vips[i].dev) >= 1 && strlen(c->vips[i].dev) <= 15);
	}
	must(c->garp_count >= 1 && c->garp_count <= 100);
	must((uint64_t)c->garp_interval_ms * c->garp_count <= 10000);
	must(terminated(c->health_command, sizeof(c->health_command)));
	must(c->health_fall >= 1 && c->health_rise >= 1);
	must(c->n_track <= CFG_MAX_TRACK);
	for (size_t i = 0; i < c->n_track; i++)
		must(strlen(c->track_interfaces[i]) >= 1 && strlen(c->track_interfaces[i]) <= 15);
	must(c->n_allow_ports <= CFG_MAX_PORTS);
	for (size_t i = 0; i < c->n_allow_ports; i++)
		must(c->allow_ports[i] != 0);
	must(terminated(c->key_file, sizeof(c->key_file)));
	must(c->state_dir[0] == '/' && c->control_socket[0] == '/');
	must(strlen(c->control_socket) <= 107);
	must(terminated(c->control_group, sizeof(c->control_group)));
	must(terminated(c->drbd_resource, sizeof(c->drbd_resource)));
	must(c->xdp_mode == 0 || c->xdp_mode == 1);
	must(c->beacon == CFG_BEACON_AUTO || c->beacon == CFG_BEACON_USERLAND);
	must(c->beacon_fence >= CFG_BFENCE_NONE && c->beacon_fence <= CFG_BFENCE_AUTO);
	must(terminated(c->metrics_listen, sizeof(c->metrics_listen)));
	must(c->sched_priority >= 0 && c->sched_priority <= 99);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct twin_config cfg;
	char err[256];

	memset(err, 'x', sizeof(err));
	if (config_parse_buf("fuzz.conf", (const char *)data, size, &cfg, err, sizeof(err)) == 0) {
		check_config(&cfg);
		must(err[0] == '\0');
	} else {
		must(terminated(err, sizeof(err)));
		must(strncmp(err, "fuzz.conf:", 10) == 0);
		must(strchr(err, '\n') == NULL); /* one line, whatever the input */
	}
	return 0;
}
