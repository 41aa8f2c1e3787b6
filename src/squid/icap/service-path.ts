// The one ICAP service this server offers, as named in squid.conf's icap_service URI.
export const ICAP_SERVICE_PATH = "/regcache";
