/* VMI-64 ABI: everything a kernel or a ROM needs (docs/spec.md). */
#ifndef VMI_VMI_H
#define VMI_VMI_H

#include "vmi/args.h"
#include "vmi/calls.h"
#include "vmi/events.h"
#include "vmi/features.h"
#include "vmi/reloc.h"
#include "vmi/rom_header.h"
#include "vmi/status.h"

#endif
