FROM centos:7
# expect: PL241
RUN yum install -y httpd
# expect: PL401
RUN yum install -y mod_ssl && yum clean all && rm -rf /var/cache/yum
USER apache
CMD ["httpd", "-DFOREGROUND"]
