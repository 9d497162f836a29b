;;; eglot.el --- provenance-ls in a real Emacs with eglot, no shim  -*- lexical-binding: t -*-

;; Run by tests/emacs/run.sh as `emacs --batch -l eglot.el' in a git
;; repository the script built with the git CLI ($PROV_REPO, holding a
;; committed shop.py). The server is configured the way docs/editors.md
;; tells an eglot user to, and every assertion reads what eglot itself
;; produced: the hover string it hands eldoc, the diagnostics it hands
;; flymake, its events log. Prints one line per test, then
;; "N passed, M failed".

(require 'cl-lib)
(require 'eglot)
(require 'flymake)

(defvar prov-repo (getenv "PROV_REPO"))
(defvar prov-server (getenv "PROVENANCE_LS"))
(defvar prov-passed 0)
(defvar prov-failed 0)

(defun prov-wait (what pred &optional seconds)
  "Wait up to SECONDS (default 20) for PRED to return non-nil; return it."
  (let ((deadline (+ (float-time) (or seconds 20)))
        (found nil))
    (while (and (not (setq found (funcall pred)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or found (error "Timed out waiting for %s" what))))

(defmacro prov-test (name &rest body)
  "Run BODY as the test NAME, counting it passed or failed."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body
              (cl-incf prov-passed)
              (message "ok - %s" ,name))
     (error (cl-incf prov-failed)
            (message "FAILED - %s: %s" ,name (error-message-string err)))))

(defun prov-check (ok format &rest args)
  (unless ok (error "%s" (apply #'format format args))))

;; The configuration docs/editors.md gives for eglot.
(setq eglot-server-programs
      `((python-mode . (,prov-server "lsp"
                                     :initializationOptions
                                     (:diagnostics (:severity "warning"))))))
(setq-default eglot-workspace-configuration nil)
(setq eglot-sync-connect t
      eglot-autoshutdown t)

(defun prov-hover ()
  "What eglot's hover gives eldoc at point, asking again while the server
says history is still being read."
  (let (shown)
    (prov-wait
     "a hover with history"
     (lambda ()
       (let ((answer nil) (done nil))
         (eglot-hover-eldoc-function
          (lambda (info &rest _) (setq answer info done t)))
         (prov-wait "the hover answer" (lambda () done) 10)
         (setq shown answer)
         (and answer (not (string-match-p "indexing\\|still reading" answer))))))
    shown))

(defun prov-goto (line column)
  "Move to 1-based LINE, 0-based COLUMN."
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column column))

(defun prov-diagnostics ()
  "The provenance diagnostics eglot gave flymake: (TYPE . TEXT) each."
  (cl-loop for d in eglot--diagnostics
           when (string-match-p "provenance" (flymake-diagnostic-text d))
           collect (cons (flymake-diagnostic-type d) (flymake-diagnostic-text d))))

(defun prov-settle ()
  "Send pending changes now, as eglot does before a request."
  (eglot--signal-textDocument/didChange)
  (accept-process-output nil 0.2))

(find-file (expand-file-name "shop.py" prov-repo))
(switch-to-buffer (current-buffer))
(apply #'eglot (eglot--guess-contact))
(defvar prov-server-object (prov-wait "eglot to connect" #'eglot-current-server))
(prov-wait "eglot to manage shop.py" (lambda () eglot--managed-mode))
(flymake-start)

(prov-test "hover on a committed function shows its churn history"
  (prov-goto 6 8)                       ; inside `total'
  (let ((text (prov-hover)))
    (prov-check (string-match-p "Churn history" text) "no churn history: %s" text)
    (prov-check (string-match-p "`total`" text) "not the block `total`: %s" text)
    (prov-check (string-match-p "Count unknown items as free" text)
                "the last commit's summary is missing: %s" text)
    (prov-check (string-match-p "Bo Other" text) "its author is missing: %s" text)
    (prov-check (string-match-p "Add total" text) "the commit that added it is missing: %s" text)
    (prov-check (not (string-match-p "Add the price list" text))
                "a commit that never touched `total` is listed: %s" text)))

(prov-test "a paste is told apart and its lines are not committed yet"
  (prov-goto 9 0)
  (insert "def refund(basket):\n    paid = total(basket)\n    return -paid\n\n")
  (prov-settle)
  (prov-goto 10 6)
  (let ((text (prov-hover)))
    (prov-check (string-match-p "Inserted in one block" text)
                "the paste is not described: %s" text)
    (prov-check (string-match-p "Not committed yet" text)
                "pasted lines claim a history: %s" text)
    (prov-check (not (string-match-p "Count unknown items as free" text))
                "pasted lines show another block's history: %s" text)))

(prov-test "a hover after lines inserted above answers for the function now under it"
  (prov-goto 1 0)
  (insert "# A comment\n# and another\n")
  (prov-settle)
  (prov-goto 8 8)                       ; `total' moved down two lines
  (let ((text (prov-hover)))
    (prov-check (string-match-p "`total`" text) "not `total` after the insert: %s" text)
    (prov-check (string-match-p "Count unknown items as free" text) "wrong history: %s" text)))

(prov-test "no provenance/* notification reaches a client that did not ask"
  (let ((log (with-current-buffer (jsonrpc-events-buffer prov-server-object)
               (buffer-string))))
    (prov-check (string-match-p "textDocument/publishDiagnostics" log)
                "the events log shows no traffic")
    (prov-check (not (string-match-p "provenance/regionsChanged" log))
                "the server sent provenance/regionsChanged unasked")))

(defun prov-agent-edit ()
  "Insert a function and say an agent wrote it, as a user's hook would."
  (prov-goto 1 0)
  (insert "def audit(basket):\n    seen = list(basket)\n    return len(seen)\n\n")
  (prov-settle)
  (jsonrpc-notify prov-server-object :provenance/editSource
                  (list :textDocument (eglot--VersionedTextDocumentIdentifier)
                        :source "agent" :agent "claude-code")))

(defun prov-diagnostic-of-type (type)
  (lambda () (cl-some (lambda (d) (and (eq (car d) type) d)) (prov-diagnostics))))

(prov-test "settings: initializationOptions, then eglot-workspace-configuration"
  (prov-agent-edit)
  (let ((d (prov-wait "a warning (initializationOptions)" (prov-diagnostic-of-type 'eglot-warning))))
    (prov-check (string-match-p "Unreviewed agent edit (claude-code)" (cdr d)) "%S" d))
  ;; What eglot sends when there is no configuration: `settings: {}'.
  (eglot-signal-didChangeConfiguration prov-server-object)
  (accept-process-output nil 1)
  (prov-check (funcall (prov-diagnostic-of-type 'eglot-warning))
              "an empty didChangeConfiguration lost the initializationOptions: %S"
              (prov-diagnostics))
  (setq-default eglot-workspace-configuration
                '(:provenance (:diagnostics (:severity "error"))))
  (eglot-signal-didChangeConfiguration prov-server-object)
  (prov-wait "an error (eglot-workspace-configuration)" (prov-diagnostic-of-type 'eglot-error))
  (setq-default eglot-workspace-configuration
                '(:provenance (:diagnostics (:enabled :json-false))))
  (eglot-signal-didChangeConfiguration prov-server-object)
  (prov-wait "no provenance diagnostics" (lambda () (null (prov-diagnostics)))))

(message "%d passed, %d failed" prov-passed prov-failed)
(let ((inhibit-message t)) (set-buffer-modified-p nil))
(kill-emacs (if (zerop prov-failed) 0 1))
