FROM opensuse/leap:15.6
# expect: PL242
RUN zypper --non-interactive install curl
RUN zypper --non-interactive install git-core && zypper clean --all
USER nobody
CMD ["bash"]
