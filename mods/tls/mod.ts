/**
 * TLS for nunect's own programs: a local certificate authority that issues server and client
 * certificates with openssl ({@linkcode LocalCa}, used by `deno task certs` and the test kit),
 * reading and checking certificate files ({@linkcode readCertifiedKey}, {@linkcode readCaFile},
 * {@linkcode certificateInfo}), how close a certificate is to its end ({@linkcode expiryState},
 * warned {@linkcode EXPIRY_WARNING_DAYS} ahead), and an HTTPS server whose certificate follows its
 * files without a restart ({@linkcode HttpsServer}).
 *
 * @module
 */
export { certificateInfo, readCaFile, readCertifiedKey } from "./certificate.ts";
export type { CertificateInfo, CertifiedKey } from "./certificate.ts";
export { CertificateFileError, OpensslError } from "./errors.ts";
export { EXPIRY_WARNING_DAYS, expiryState } from "./expiry.ts";
export type { ExpiryState, ExpiryStatus } from "./expiry.ts";
export { HttpsServer } from "./https_server.ts";
export type { HttpsServerOptions, ReloadResult } from "./https_server.ts";
export { LocalCa } from "./local_ca.ts";
export { localCertificates } from "./local_certificates.ts";
export type { LocalCertificates, LocalCertificatesOptions } from "./local_certificates.ts";
export type { CertificateUsage, IssuedCertificate, IssueOptions } from "./local_ca.ts";
