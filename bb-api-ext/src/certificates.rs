//! CA certificates for proxies: upload a PEM file, list, get, delete. A session trusts them
//! through [`crate::ProxySettings::ca_certificates`].

use std::fmt;
use std::sync::Arc;

use bb_api::types::Certificate;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::context::Context;
use crate::error::Error;
use crate::files::FileSource;
use crate::files::upload::Rules;
use crate::resource_ids::CertificateId;
use crate::transport::Call;
use crate::transport::operation::{
    CERTIFICATES_DELETE, CERTIFICATES_GET, CERTIFICATES_LIST, CERTIFICATES_UPLOAD,
};
use crate::validate::ValidationErrors;

/// The largest PEM file [`Certificates::upload`] accepts: 1 MiB, far more than a chain of
/// certificates takes. It is read whole to be checked.
pub const MAX_CERTIFICATE_BYTES: u64 = 1024 * 1024;

const RULES: Rules = Rules {
    suffix: None,
    max_bytes: MAX_CERTIFICATE_BYTES,
    content_type: "application/x-pem-file",
};

/// Certificates; from [`crate::Client::certificates`].
#[derive(Clone)]
pub struct Certificates {
    pub(crate) ctx: Arc<Context>,
}

impl fmt::Debug for Certificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificates").finish_non_exhaustive()
    }
}

impl Certificates {
    /// Uploads a CA certificate: a PEM file holding at least one `CERTIFICATE` block, sent as the
    /// multipart part `file`.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::ProxySettings;
    ///
    /// let ca = client.certificates().upload("corporate-ca.pem").await?;
    /// let proxy_settings = ProxySettings::ca_certificates([ca.id]);
    /// # let _ = proxy_settings; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Before any request, a validation error at `file` for a missing or empty file, one over
    /// [`MAX_CERTIFICATE_BYTES`], or one without a well-formed `CERTIFICATE` PEM block.
    pub async fn upload(&self, file: impl Into<FileSource>) -> Result<Certificate, Error> {
        let (pem, file) = file.into().check(&RULES)?.read_all().await?;
        let mut certificates = CertificateDer::pem_slice_iter(&pem);
        match certificates.next() {
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                return Err(not_pem(format!("is not valid PEM: {e}")));
            }
            None => return Err(not_pem("holds no CERTIFICATE PEM block".to_owned())),
        }
        if let Some(Err(e)) = certificates.find(Result::is_err) {
            return Err(not_pem(format!("is not valid PEM: {e}")));
        }
        file.send(&self.ctx, &CERTIFICATES_UPLOAD, &[]).await
    }

    /// Every certificate of the project.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn list(&self) -> Result<Vec<Certificate>, Error> {
        self.ctx
            .transport
            .call(Call::new(&CERTIFICATES_LIST, &[]))
            .await
    }

    /// The certificate `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such certificate.
    pub async fn get(&self, id: impl Into<CertificateId>) -> Result<Certificate, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&CERTIFICATES_GET, &args))
            .await
    }

    /// Deletes the certificate `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such certificate.
    pub async fn delete(&self, id: impl Into<CertificateId>) -> Result<(), Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call_no_content(Call::new(&CERTIFICATES_DELETE, &args))
            .await
    }
}

fn not_pem(rule: String) -> Error {
    Error::Validation(ValidationErrors::single("file", rule))
}
