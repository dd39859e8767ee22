/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * version: the agent's version string, in one place. The build defines
 * IPMI_AGENTX_VERSION from the project version (CMakeLists.txt); a build
 * without it says "dev".
 */
#ifndef IPMI_AGENTX_VERSION_H
#define IPMI_AGENTX_VERSION_H

#ifndef IPMI_AGENTX_VERSION
#define IPMI_AGENTX_VERSION "dev"
#endif

#endif
