/* SPDX-License-Identifier: BSD-3-Clause */
/* The passthru example module: register it, then create "passthru:name=P,base=B". */
#ifndef PASSTHRU_H
#define PASSTHRU_H

/* Registers the module (once). Returns 0 or a negative errno. */
int passthru_register(void);
/* Unregisters it once its bdevs are gone; done(ctx) runs on the calling thread. */
int passthru_unregister(void (*done)(void *ctx), void *ctx);

#endif
