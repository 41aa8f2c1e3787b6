// An ICAP failure that has a status code to send back. The connection loop turns
// it into a response and closes the connection, because after a framing error the
// next message boundary cannot be trusted.
export class IcapError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "IcapError";
  }
}

/** The reason phrases of the codes this service sends (RFC 3507 section 4.3.3). */
export const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  404: "ICAP Service Not Found",
  405: "Method Not Allowed For Service",
  500: "Server Error",
  501: "Method Not Implemented",
  505: "ICAP Version Not Supported",
};
