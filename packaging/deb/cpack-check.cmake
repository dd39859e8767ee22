# SPDX-License-Identifier: GPL-3.0-or-later
# Run by cpack: the binary's default configuration path, the unit's paths
# and the MIB directory were fixed when the build was configured, so a DEB
# is only right for a build configured with CMAKE_INSTALL_PREFIX=/usr.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "The Debian package needs a build configured with "
    "-DCMAKE_INSTALL_PREFIX=/usr (this one has ${CPACK_PACKAGING_INSTALL_PREFIX})")
endif()
