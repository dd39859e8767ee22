# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package, built by CPack's DEB generator:
#   cmake -S . -B b -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF
#   cmake --build b --target package
#     -> b/ipmi-agentx_VERSION_ARCH.deb and b/ipmi-agentx-dbgsym_VERSION_ARCH.ddeb
# Depends come from dpkg-shlibdeps (dpkg-dev); the configuration is a short
# conffile; the maintainer scripts follow debhelper's (sysusers, systemd)
# with DPKG_ROOT guards, give /etc/ipmi-agentx to the service's user and
# remove it on purge. The debug symbols go to a -dbgsym package, as
# dh_strip makes them: /usr/lib/debug/.build-id/XX/YYYY.debug.
set(pkgsrc ${CMAKE_SOURCE_DIR}/packaging/deb)
set(pkgbin ${CMAKE_BINARY_DIR}/packaging/deb)

# The project has no public address yet: by default the package names its
# developers at the building host. A site that builds and ships it sets its
# own (or DEBFULLNAME and DEBEMAIL, which Debian's tools read).
if(DEFINED ENV{DEBEMAIL} AND DEFINED ENV{DEBFULLNAME})
  set(default_maintainer "$ENV{DEBFULLNAME} <$ENV{DEBEMAIL}>")
else()
  set(default_maintainer "ipmi-agentx developers <ipmi-agentx@localhost>")
endif()
set(IPMI_AGENTX_MAINTAINER "${default_maintainer}"
  CACHE STRING "Maintainer field of the Debian package and its changelog")
# lintian calls a host without a domain bogus (an error): with the default
# the package says so in its overrides, which a real address makes moot.
set(IPMI_AGENTX_MAINTAINER_OVERRIDES "")
if(IPMI_AGENTX_MAINTAINER MATCHES "<([^>]*@localhost)>")
  set(address ${CMAKE_MATCH_1})
  set(IPMI_AGENTX_MAINTAINER_OVERRIDES "\
# The default Maintainer: the project has no public address yet, so a package
# built without -DIPMI_AGENTX_MAINTAINER (or DEBFULLNAME and DEBEMAIL) names
# its developers at the building host. Not for an archive.
ipmi-agentx: bogus-mail-host Maintainer ${address}
ipmi-agentx: bogus-mail-host-in-debian-changelog ${address} *")
endif()
configure_file(${pkgsrc}/lintian-overrides.in ${pkgbin}/lintian-overrides @ONLY)

# Files only the package has: Debian's copyright and changelog, lintian's
# overrides. A component excluded from `cmake --install`.
string(TIMESTAMP IPMI_AGENTX_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${pkgsrc}/changelog.in ${pkgbin}/changelog @ONLY)
add_custom_command(OUTPUT ${pkgbin}/changelog.gz
  COMMAND gzip -n -9 -c ${pkgbin}/changelog > ${pkgbin}/changelog.gz
  DEPENDS ${pkgbin}/changelog)
add_custom_target(deb-changelog ALL DEPENDS ${pkgbin}/changelog.gz)
install(FILES ${pkgsrc}/copyright ${pkgbin}/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/ipmi-agentx COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${pkgbin}/lintian-overrides RENAME ipmi-agentx
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides COMPONENT deb EXCLUDE_FROM_ALL)

foreach(script conffiles postinst prerm postrm)
  configure_file(${pkgsrc}/${script}.in ${pkgbin}/${script} @ONLY)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ipmi-agentx)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${IPMI_AGENTX_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY ${PROJECT_DESCRIPTION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${IPMI_AGENTX_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "ipmi-agentx plugs into Net-SNMP's snmpd (the AgentX master) and serves
IPMI-CHANNEL-MIB: the BMCs (health, user password, chassis identify) and
their IPMI LAN channels (DHCP or static IPv4 address, netmask, gateway,
VLAN). Network management systems read and change the LAN configuration
of the local BMC (in-band) and of remote BMCs (IPMI 1.5 and 2.0) with
snmpget and snmpset; each SET is one verified transaction on the BMC.")
# Depends: the shared libraries (dpkg-shlibdeps), /bin/kill (procps) for the
# unit's ExecReload, and systemd-sysusers for the postinst (what
# dh_installsysusers adds).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "procps, systemd | systemd-standalone-sysusers | systemd-sysusers")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "snmpd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "snmp, freeipmi-tools")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${pkgbin}/conffiles ${pkgbin}/postinst ${pkgbin}/prerm ${pkgbin}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# The default component and the package-only one, in one package.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified deb)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
# Absolute destinations (/etc, /lib/systemd) go under DESTDIR, not onto
# this machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# The binary is stripped into ipmi-agentx-dbgsym (Section debug): its
# .debug file by build ID, for gdb and debuginfod on field core dumps. It
# needs a build with debug information (RelWithDebInfo, the default), and
# CPACK_STRIP_FILES off (CPack strips after splitting).
set(CPACK_STRIP_FILES OFF)
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_POST_BUILD_SCRIPTS ${pkgsrc}/dbgsym.cmake)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_PROJECT_CONFIG_FILE ${pkgsrc}/cpack-check.cmake)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "__pycache__")
include(CPack)
