package org.yimmo.core.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads certificate chains and private keys from PEM files (RFC 7468), without a provider beyond
 * the JDK's. Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}), encrypted PKCS#8
 * ({@code BEGIN ENCRYPTED PRIVATE KEY}, PBES1 or PBES2), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY})
 * and SEC1 EC ({@code BEGIN EC PRIVATE KEY}); the last two are wrapped into PKCS#8 with a few
 * bytes of DER. OpenSSL's legacy encrypted PEM ({@code Proc-Type: 4,ENCRYPTED}) is refused with
 * the command that converts it.
 *
 * <p>Every failure is a {@link TlsSetupException} whose message names the file and the problem.
 * Stateless; thread safe.
 */
final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final long MAX_BYTES = 1 << 20;
    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters, as DER. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** id-ecPublicKey, 1.2.840.10045.2.1, as a DER OID (the curve follows it). */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

    private PemFiles() {
    }

    /** One {@code -----BEGIN type-----} block, decoded; {@code headers} holds RFC 1421 lines if any. */
    record Block(String type, String headers, byte[] der) {
    }

    /** The certificates of {@code file}, in file order (leaf first). */
    static List<X509Certificate> readCertificates(Path file) {
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block block : blocks(file, "certificate")) {
            if (!block.type().equals("CERTIFICATE") && !block.type().equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new TlsSetupException("certificate file " + file + ": certificate " + (chain.size() + 1)
                        + " is not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsSetupException("certificate file " + file + " holds no PEM certificate"
                    + " (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(chain);
    }

    /** The first private key of {@code file}; {@code password} for an encrypted one, else null. */
    static PrivateKey readPrivateKey(Path file, char[] password) {
        for (Block block : blocks(file, "private key")) {
            switch (block.type()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, block.der(), "PKCS#8");
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    return pkcs8(file, decrypt(file, block.der(), password), "encrypted PKCS#8");
                }
                case "RSA PRIVATE KEY" -> {
                    refuseLegacyEncryption(file, block);
                    return pkcs8(file, der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM,
                            der(0x04, block.der()))), "PKCS#1 RSA");
                }
                case "EC PRIVATE KEY" -> {
                    refuseLegacyEncryption(file, block);
                    byte[] curve = sec1Curve(file, block.der());
                    return pkcs8(file, der(0x30, concat(new byte[] {0x02, 0x01, 0x00},
                            der(0x30, concat(EC_PUBLIC_KEY, curve)), der(0x04, block.der()))), "SEC1 EC");
                }
                default -> {
                    // EC PARAMETERS (openssl ecparam -genkey), certificates in a combined file: skip.
                }
            }
        }
        throw new TlsSetupException("private key file " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----,"
                + " RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY)");
    }

    static List<Block> blocks(Path file, String what) {
        String text = readText(file, what);
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            String body = matcher.group(2);
            String headers = "";
            int blank = body.indexOf("\n\n");
            if (body.startsWith("Proc-Type:") && blank >= 0) {
                headers = body.substring(0, blank);
                body = body.substring(blank + 2);
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(WHITESPACE.matcher(body).replaceAll(""));
            } catch (IllegalArgumentException e) {
                throw new TlsSetupException(what + " file " + file + ": the " + matcher.group(1)
                        + " block is not valid base64: " + e.getMessage(), e);
            }
            if (der.length == 0) {
                throw new TlsSetupException(what + " file " + file + ": the " + matcher.group(1) + " block is empty");
            }
            blocks.add(new Block(matcher.group(1), headers, der));
        }
        if (blocks.isEmpty()) {
            throw new TlsSetupException(what + " file " + file + " is not a PEM file (no -----BEGIN ...----- block)");
        }
        return blocks;
    }

    private static String readText(Path file, String what) {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsSetupException(what + " file " + file + " is a directory");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new TlsSetupException(what + " file " + file + " is larger than " + MAX_BYTES
                        + " bytes; is it the right file?");
            }
            // PEM is ASCII; latin-1 never fails, so a binary file is reported as "not a PEM file".
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        } catch (NoSuchFileException e) {
            throw new TlsSetupException(what + " file " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsSetupException("cannot read " + what + " file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new TlsSetupException("cannot read " + what + " file " + file + ": " + e, e);
        }
    }

    private static PrivateKey pkcs8(Path file, byte[] der, String form) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // Not this algorithm: try the next one.
            }
        }
        throw new TlsSetupException("private key file " + file + ": the " + form
                + " key is malformed or of an unsupported algorithm (RSA, EC, Ed25519, Ed448 are)");
    }

    private static byte[] decrypt(Path file, byte[] der, char[] password) {
        if (password == null) {
            throw new TlsSetupException("private key file " + file + " is encrypted: give its password");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 names its real algorithm in the parameters ("PBEWithHmacSHA256AndAES_256").
            String algorithm = info.getAlgName();
            if (info.getAlgParameters() != null && algorithm.startsWith("PBES2")) {
                algorithm = info.getAlgParameters().toString();
            }
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(algorithm)
                    .generateSecret(new PBEKeySpec(password)), info.getAlgParameters());
            return info.getKeySpec(cipher).getEncoded();
        } catch (IOException e) {
            throw new TlsSetupException("private key file " + file + ": the encrypted key is malformed: "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("private key file " + file
                    + ": cannot decrypt the key (wrong password, or an unsupported cipher): " + e.getMessage(), e);
        }
    }

    private static void refuseLegacyEncryption(Path file, Block block) {
        if (block.headers().contains("ENCRYPTED")) {
            throw new TlsSetupException("private key file " + file + " uses OpenSSL's legacy PEM encryption"
                    + " (Proc-Type: 4,ENCRYPTED), which is not supported; convert it with"
                    + " 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW'");
        }
    }

    /**
     * The named-curve OID (as DER) of a SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING,
     * [0] OID, [1] BIT STRING }.
     */
    private static byte[] sec1Curve(Path file, byte[] der) {
        try {
            Der sequence = new Der(der, 0);
            if (sequence.tag != 0x30) {
                throw new IllegalArgumentException("not a SEQUENCE");
            }
            for (int at = sequence.start; at < sequence.end; ) {
                Der item = new Der(der, at);
                if (item.tag == 0xa0) {
                    Der oid = new Der(der, item.start);
                    if (oid.tag != 0x06) {
                        break;
                    }
                    return java.util.Arrays.copyOfRange(der, item.start, oid.end);
                }
                at = item.end;
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new TlsSetupException("private key file " + file + ": the EC key is malformed (" + e.getMessage() + ")");
        }
        throw new TlsSetupException("private key file " + file
                + ": the EC key names no curve; write it with 'openssl ec -param_enc named_curve'");
    }

    /** A DER tag-length-value header at an offset: contents are {@code [start, end)}. */
    private static final class Der {
        final int tag;
        final int start;
        final int end;

        Der(byte[] der, int at) {
            tag = der[at] & 0xff;
            int length = der[at + 1] & 0xff;
            int position = at + 2;
            if (length > 0x80) {
                int bytes = length & 0x7f;
                if (bytes > 3) {
                    throw new IllegalArgumentException("length too large");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = length << 8 | (der[position++] & 0xff);
                }
            } else if (length == 0x80) {
                throw new IllegalArgumentException("indefinite length");
            }
            start = position;
            end = position + length;
            if (end > der.length) {
                throw new IllegalArgumentException("truncated");
            }
        }
    }

    /** A DER tag-length-value: {@code tag}, the definite length, {@code contents}. */
    static byte[] der(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int length = contents.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
