/**
 * Who is connecting. {@link dev.socketserver.auth.TokenVerifier} is the seam; the JWT
 * implementation uses nimbus-jose-jwt.
 */
package dev.socketserver.auth;
