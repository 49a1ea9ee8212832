/**
 * Throwaway TLS certificates for a test, made with `openssl` in a temp
 * directory that `await using` removes: a CA, a server certificate it signed
 * for `localhost`, `127.0.0.1` and `::1`, one it signed for another name,
 * and a second, unrelated CA. No key is ever written into the repository.
 *
 * @module
 */

/** PEM files of one set of test certificates. */
export interface TestCerts extends AsyncDisposable {
  /** The directory holding them. */
  dir: string;
  /** The CA that signed the server certificates: path and PEM. */
  ca: PemFile;
  /** The server's certificate (for localhost, 127.0.0.1 and ::1), signed by `ca`. */
  cert: PemFile;
  /** The server's private key. */
  key: PemFile;
  /** A certificate signed by `ca` for `elsewhere.example` only. */
  wrongNameCert: PemFile;
  /** Its private key. */
  wrongNameKey: PemFile;
  /** A CA that signed none of them. */
  otherCa: PemFile;
}

/** A PEM file: where it is and what it holds. */
export interface PemFile {
  /** Its path. */
  path: string;
  /** Its text. */
  pem: string;
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = chat test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[wrong_name_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:elsewhere.example
`;

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function openssl(dir: string, args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("openssl", { args, cwd: dir, stdin: "null" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("the TLS tests need openssl on the PATH (.ci/run installs it)");
    }
    throw error;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`openssl ${args.join(" ")} failed:\n${stderr}`);
  }
}

/**
 * Why the tests that make certificates are skipped here, or `undefined` when
 * they run: without openssl they are skipped with the reason printed, except
 * in CI (`CI=true`), where `.ci/run` installs it and its absence fails them.
 */
export const OPENSSL_SKIP: string | undefined = await (async () => {
  try {
    await new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .output();
    return undefined;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) || Deno.env.get("CI") === "true") return undefined;
    const reason = "openssl is not installed (apt-get install openssl; .ci/run does)";
    console.log(`TLS tests are skipped: ${reason}`);
    return reason;
  }
})();

/** `Deno.test` for a test that makes certificates (see {@linkcode OPENSSL_SKIP}). */
export function tlsTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
  Deno.test({ name, ignore: OPENSSL_SKIP !== undefined, fn });
}

/** Makes a fresh set of certificates (valid for two days) in a new temp directory. */
export async function makeCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "chat-tls-test-" });
  try {
    await Deno.writeTextFile(`${dir}/openssl.cnf`, CONFIG);
    const ca = (name: string, cn: string) =>
      openssl(dir, [
        "req",
        "-x509",
        "-config",
        "openssl.cnf",
        "-extensions",
        "ca_ext",
        ...NEW_KEY,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
        "-days",
        "2",
        "-subj",
        `/CN=${cn}`,
      ]);
    const leaf = async (name: string, cn: string, extensions: string, serial: number) => {
      await openssl(dir, [
        "req",
        "-new",
        "-config",
        "openssl.cnf",
        ...NEW_KEY,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${cn}`,
      ]);
      await openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        String(serial),
        "-days",
        "2",
        "-extfile",
        "openssl.cnf",
        "-extensions",
        extensions,
        "-out",
        `${name}.pem`,
      ]);
    };
    await ca("ca", "chat test CA");
    await ca("other-ca", "chat unrelated CA");
    await leaf("server", "localhost", "server_ext", 2);
    await leaf("wrong-name", "elsewhere.example", "wrong_name_ext", 3);
    const file = async (name: string): Promise<PemFile> => {
      const path = `${dir}/${name}`;
      return { path, pem: await Deno.readTextFile(path) };
    };
    return {
      dir,
      ca: await file("ca.pem"),
      cert: await file("server.pem"),
      key: await file("server.key"),
      wrongNameCert: await file("wrong-name.pem"),
      wrongNameKey: await file("wrong-name.key"),
      otherCa: await file("other-ca.pem"),
      async [Symbol.asyncDispose]() {
        await Deno.remove(dir, { recursive: true });
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}
