#!/usr/bin/env bash
# Generates a local certificate authority and one server certificate signed by it, for
# TLS between clients, shardwire and the local MariaDB servers (tests and `make demo`).
#
#   scripts/make-certs.sh <dir>
#
# Writes <dir>/ca.pem (what clients verify against: --ssl-ca, sslrootcert...),
# <dir>/ca-key.pem, <dir>/server-cert.pem and <dir>/server-key.pem (subjectAltName
# localhost, 127.0.0.1 and ::1, so both name and address verification pass), and
# <dir>/rsa-key.pem (the key caching_sha2_password clients encrypt their password to).
# Idempotent: files that exist and still verify are kept; runs in well under a second.
set -euo pipefail
dir="${1:?usage: make-certs.sh <dir>}"
mkdir -p "$dir"
cd "$dir"
umask 077

if [ -s ca.pem ] && [ -s server-cert.pem ] && [ -s server-key.pem ] && [ -s rsa-key.pem ] &&
   openssl verify -CAfile ca.pem server-cert.pem >/dev/null 2>&1 &&
   openssl x509 -checkend 86400 -noout -in server-cert.pem >/dev/null 2>&1; then
  exit 0
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=shardwire local CA" -keyout ca-key.pem -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout server-key.pem -out server.csr 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
  -extfile server.ext -out server-cert.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-key.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
# mariadbd and test clients run as the same user; the CA is public by nature.
chmod 644 ca.pem server-cert.pem
echo "make-certs: CA $dir/ca.pem, server certificate $dir/server-cert.pem"
