# The Debian package, built by CPack's DEB generator:
#   cmake -S . -B b -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF
#   cmake --build b --target package      # -> b/ipmi-agentx_VERSION_ARCH.deb
# Depends come from dpkg-shlibdeps (dpkg-dev); the configuration is a
# conffile; the maintainer scripts enable the unit the Debian way
# (deb-systemd-helper), keep /etc/ipmi-agentx private and remove it on purge.
set(pkgsrc ${CMAKE_SOURCE_DIR}/packaging/deb)
set(pkgbin ${CMAKE_BINARY_DIR}/packaging/deb)

set(IPMI_AGENTX_MAINTAINER "ipmi-agentx maintainers <maintainers@ipmi-agentx.invalid>"
  CACHE STRING "Maintainer field of the Debian package and its changelog")

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
install(FILES ${pkgsrc}/lintian-overrides RENAME ipmi-agentx
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
# Depends: the shared libraries (dpkg-shlibdeps), plus /bin/kill (procps)
# for the unit's ExecReload.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")
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
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_PROJECT_CONFIG_FILE ${pkgsrc}/cpack-check.cmake)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "__pycache__")
include(CPack)
