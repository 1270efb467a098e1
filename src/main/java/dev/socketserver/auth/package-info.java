/**
 * Who is connecting. {@link dev.socketserver.auth.TokenVerifier} is the seam;
 * {@link dev.socketserver.auth.TokenVerifiers#fromSettings} builds the JWT implementation
 * ({@link dev.socketserver.auth.JwtTokenVerifier}, nimbus-jose-jwt) from an HMAC secret, a PEM
 * public key or a JWKS URL. See docs/AUTH.md for the settings, algorithms and claims.
 */
package dev.socketserver.auth;
