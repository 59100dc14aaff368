/* VMI-64 wire status codes (docs/spec.md §6): returned by ROM entries in eax. Internal errors of
 * the guest runtime or the VMM are separate types. */
#ifndef VMI_STATUS_H
#define VMI_STATUS_H

#define VMI_OK 0
#define VMI_ERR_NO_HYPERVISOR 1 /* the ROM's hypervisor is not present */
#define VMI_ERR_VERSION 2       /* the kernel's ABI version is not supported by this ROM */
#define VMI_ERR_INVALID 3       /* a malformed argument */
#define VMI_ERR_UNSUPPORTED 4   /* the call or mode is not implemented */
#define VMI_ERR_FAULT 5         /* a buffer is not mapped */

#endif
