/* The clocks: CLOCK_MONOTONIC for every deadline and interval, CLOCK_REALTIME
 * only for what other machines compare (beats, logs). */
#ifndef TWIN_CLOCK_H
#define TWIN_CLOCK_H

#include <stdint.h>

uint64_t mono_ns(void);
uint64_t mono_ms(void);
uint64_t real_ns(void);

#endif
