"""JupyterHub for a small matrix-calculus class on one machine.

Students and instructors are the machine's own Linux accounts (PAM: they log in with their system
password) in two groups; each gets a JupyterLab server running as their own user (the local process
spawner), so Linux permissions keep one person's files from another. Hand-out, hand-in and feedback
go through nbgrader's exchange, a shared folder. `python -m autograder.hub` (`make hub`) prepares the
folder this file reads (COURSE_HUB_HOME) and starts the hub with it; run it as root, since PAM reads
/etc/shadow and the spawner becomes each user. Every setting below can be changed through the
environment variables it reads, or by editing this file.

COURSE_HUB_HOME (default /srv/matrix-calculus), readable by every user, holds:
  env/               the Python environment of every user's server: JupyterLab, nbgrader and the
                     `course` package, but neither the autograder nor the solutions
  exchange/          nbgrader's exchange (world-writable; nbgrader sets the permissions inside)
  jupyter/common/    nbgrader_config.py for everyone: the course id and the exchange folder
  jupyter/student/   students' JupyterLab: nbgrader's Assignments and Validate only
  jupyter/instructor/  instructors' nbgrader_config.py: the course directory in their home
  state/             the hub's own database and cookie secret (root only)
"""
import grp
import os
import pwd
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

HOME = Path(os.environ.get("COURSE_HUB_HOME", "/srv/matrix-calculus"))
STUDENTS = os.environ.get("COURSE_STUDENTS_GROUP", "matrix-calculus-students")
INSTRUCTORS = os.environ.get("COURSE_INSTRUCTORS_GROUP", "matrix-calculus-instructors")
# Where an instructor's course directory is, relative to their home: a clone of the course repository.
COURSE_FOLDER = os.environ.get("COURSE_FOLDER", "matrix-calculus")

# Where people connect (put a TLS-terminating web server in front for anything but a try-out).
c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_port = int(os.environ.get("COURSE_HUB_API_PORT", "8081"))  # the hub's internal API
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('COURSE_PROXY_API_PORT', '8001')}"
if os.environ.get("COURSE_PROXY"):  # configurable-http-proxy from npm (tools/provide-proxy)
    c.ConfigurableHTTPProxy.command = [os.environ["COURSE_PROXY"]]
c.JupyterHub.db_url = f"sqlite:///{HOME / 'state' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HOME / "state" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HOME / "state" / "jupyterhub.pid")

# Who may log in: members of the two groups, with their Linux password.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}
c.PAMAuthenticator.open_sessions = False  # no login session per server (often refused in containers)

# Each user's server: JupyterLab as that Linux user, in their home, from the shared environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(HOME / "env" / "bin" / "python"), "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def is_instructor(name):
    """Whether the Linux user ``name`` is in the instructors' group."""
    group = grp.getgrnam(INSTRUCTORS)
    return name in group.gr_mem or pwd.getpwnam(name).pw_gid == group.gr_gid


def course_roles(spawner):
    """Give each server its role's Jupyter configuration: instructors get nbgrader's formgrader,
    Course List and Create Assignment on their course directory; students only Assignments and Validate."""
    name = spawner.user.name
    role = "instructor" if is_instructor(name) else "student"
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": os.pathsep.join([str(HOME / "jupyter" / role), str(HOME / "jupyter" / "common")]),
        "COURSE_EXCHANGE": str(HOME / "exchange"),
        "PATH": os.pathsep.join([str(HOME / "env" / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    })
    if role == "instructor":
        spawner.environment["COURSE_DIRECTORY"] = str(Path(pwd.getpwnam(name).pw_dir) / COURSE_FOLDER)


c.Spawner.pre_spawn_hook = course_roles
